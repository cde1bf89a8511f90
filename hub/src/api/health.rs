//! `GET /healthz`: answers once the hub can serve, for orchestrators and tests.

use warp::{Filter, Rejection, Reply};

use super::views::HealthView;
use super::{reject, with_state};
use crate::startup::AppState;

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("healthz")
        .and(warp::get())
        .and(with_state(state))
        .and_then(|state: AppState| async move {
            // The listener only opens after migrations, so reaching this
            // handler means the schema is ready; the ping checks the
            // database is still there.
            state.store.ping().await.map_err(reject)?;
            Ok::<_, Rejection>(warp::reply::json(&HealthView {
                status: "ok".to_owned(),
                store: state.store.backend().as_str().to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            }))
        })
}
