//! `GET /metrics`: the hub's metrics in the Prometheus text format, for
//! metrics keys (a scraper's) and the association's analysts and admins.
//!
//! A scrape is authenticated and rate-limited like any request but not
//! audited: it reads counts, never a merchant, and a scraper asking every
//! 15 seconds would bury the reads an auditor looks for.

use warp::{Filter, Rejection, Reply};

use super::{ApiError, any_key, reject, with_state};
use crate::auth::Principal;
use crate::startup::AppState;

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("metrics")
        .and(warp::get())
        .and(any_key(state.clone()))
        .and(with_state(state))
        .and_then(|principal: Principal, state: AppState| async move {
            if !principal.role.reads_metrics() {
                return Err(reject(ApiError::forbidden(
                    "metrics are for metrics, analyst and admin keys",
                )));
            }
            let text = state
                .metrics
                .scrape(&state.store, &state.linker)
                .await
                .map_err(reject)?;
            Ok(warp::reply::with_header(
                text,
                warp::http::header::CONTENT_TYPE,
                crate::metrics::CONTENT_TYPE,
            ))
        })
}
