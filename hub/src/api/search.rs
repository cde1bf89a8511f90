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
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        let message = error.to_string();
        match error {
            SearchError::Forbidden => ApiError::forbidden(message),
            SearchError::BadQuery => ApiError::bad_request("invalid_query", message),
            SearchError::NotAnIdentifier => ApiError::bad_request("not_an_identifier", message),
            SearchError::NotFound => ApiError::not_found("merchant_not_found", message),
            SearchError::Store(store) => store.into(),
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
                let result = search::search(&state.store, &principal, &state.token_key, &query.q)
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
