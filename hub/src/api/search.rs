//! `GET /v1/search?q=` and `GET /v1/people/{acquirer}/{merchant_id}`.

use serde::Deserialize;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, authenticated, reject, with_state};
use crate::auth::Principal;
use crate::search::{self, SearchError};
use crate::startup::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchQuery {
    q: String,
    /// Free-text hits to return (1–100, default 20).
    limit: Option<usize>,
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        let message = error.to_string();
        match error {
            SearchError::Forbidden => ApiError::forbidden(message),
            SearchError::BadQuery => ApiError::bad_request("invalid_query", message),
            SearchError::BadLimit => ApiError::bad_request("invalid_limit", message),
            SearchError::NotFound => ApiError::not_found("merchant_not_found", message),
            SearchError::Store(store) => store.into(),
            SearchError::Index(index) => ApiError::internal(&index),
        }
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let find = warp::path!("search")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(warp::query::<SearchQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |principal: Principal, query: SearchQuery, state: AppState| async move {
                let searcher = search::Searcher {
                    store: &state.store,
                    linker: &state.linker,
                    key: &state.token_key,
                };
                let result = search::search(searcher, &principal, &query.q, query.limit)
                    .await
                    .map_err(reject)?;
                Ok::<_, Rejection>(warp::reply::json(&result))
            },
        );
    let person = warp::path!("people" / String / String)
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state))
        .and_then(
            |acquirer: String, merchant_id: String, principal: Principal, state: AppState| async move {
                let view = search::person(&state.store, &principal, &acquirer, &merchant_id)
                    .await
                    .map_err(reject)?;
                Ok::<_, Rejection>(warp::reply::json(&view))
            },
        );
    find.or(person)
}
