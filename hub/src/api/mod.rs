//! HTTP routes. Handlers are thin: authenticate, parse the request, call a
//! domain function, serialise its answer. Errors go to [`error::recover`].

mod alerts;
mod batches;
mod blacklist;
pub mod error;
mod feed;
mod health;
mod keys;
mod merchants;
mod screen;
mod search;
mod verify;
pub mod views;

use std::convert::Infallible;

use warp::{Filter, Rejection, Reply};

use crate::auth::{self, Principal};
use crate::startup::AppState;

pub use alerts::DecisionRequest;
pub use blacklist::{ImportRequest, NoteRequest, RemoveRequest};
pub use error::{ApiError, reject};

/// Every route of the hub, with errors mapped to JSON.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone + Send + Sync + 'static {
    // Each resource's routes are boxed: a request that no route takes is
    // tried against all of them, and unboxed, the nested futures of that
    // walk outgrow a worker thread's stack in a debug build.
    let v1 = warp::path("v1").and(
        keys::routes(state.clone())
            .boxed()
            .or(batches::routes(state.clone()).boxed())
            .or(alerts::routes(state.clone()).boxed())
            .or(search::routes(state.clone()).boxed())
            .or(merchants::routes(state.clone()).boxed())
            .or(verify::routes(state.clone()).boxed())
            .or(blacklist::routes(state.clone()).boxed())
            .or(screen::routes(state.clone()).boxed())
            .or(feed::routes(state.clone()).boxed())
            .or(me(state.clone()).boxed()),
    );
    health::routes(state)
        .or(v1)
        .recover(error::recover)
        .with(warp::log::custom(|info| {
            // Paths carry merchant numbers at most, never sensitive values.
            tracing::info!(
                method = %info.method(),
                path = info.path(),
                status = info.status().as_u16(),
                elapsed_ms = info.elapsed().as_millis() as u64,
                "request"
            );
        }))
}

/// Pass the shared state into a handler.
pub(crate) fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Authenticate the request's bearer key.
pub(crate) fn authenticated(
    state: AppState,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization").and_then(move |header: Option<String>| {
        let state = state.clone();
        async move {
            auth::authenticate(&state.store, header.as_deref())
                .await
                .map_err(reject)
        }
    })
}

/// A small JSON body, parsed here so a bad one is a 400 `invalid_body` with
/// serde's explanation (warp's own `json()` rejection loses to a 405 when
/// another route shares the path).
pub(crate) fn json_body<T: serde::de::DeserializeOwned + Send>()
-> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    json_body_up_to(64 * 1024)
}

/// A JSON body of at most `limit` bytes (imports and screens carry many
/// records), parsed like [`json_body`].
pub(crate) fn json_body_up_to<T: serde::de::DeserializeOwned + Send>(
    limit: u64,
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::body::content_length_limit(limit)
        .and(warp::body::bytes())
        .and_then(|bytes: bytes::Bytes| async move {
            serde_json::from_slice::<T>(&bytes).map_err(|e| {
                reject(ApiError::bad_request(
                    "invalid_body",
                    format!("request body is not valid: {e}"),
                ))
            })
        })
}

/// Merchant data (batches, merchants, alerts) is for acquirers, analysts
/// and admins; subscribers read the blacklist feed only (SPEC §9).
pub(crate) fn require_merchant_reader(principal: &Principal) -> Result<(), ApiError> {
    if principal.role == crate::auth::Role::Subscriber {
        Err(ApiError::forbidden("subscribers read the feed only"))
    } else {
        Ok(())
    }
}

/// `GET /v1/me`: who the key belongs to.
fn me(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("me")
        .and(warp::get())
        .and(authenticated(state))
        .map(|principal: Principal| warp::reply::json(&principal))
}
