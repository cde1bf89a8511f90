//! `GET /v1/search?q=` and `GET /v1/people/{acquirer}/{merchant_id}`: both
//! need a purpose and are audited. The audit keeps what was searched for as
//! the search understood it: a token for an ID, phone or account (so an
//! auditor can ask "who looked this person up" by tokenising), the code for
//! a USCC or SN, and free text with any long digit run masked.

use serde::Deserialize;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, audited, context, query, reject, with_state};
use crate::audit::{Action, Event, RequestContext};
use crate::search::{self, SearchError};
use crate::startup::AppState;

/// `GET /v1/search` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchQuery {
    /// Any ID, phone, USCC, account, SN or merchant number, or a name or address.
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
        .and(context(state.clone()))
        .and(query::<SearchQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, query: SearchQuery, state: AppState| async move {
                let (field, value) = search::audit_form(&query.q, &state.token_key);
                let event = Event::new(Action::Search, "search")
                    .with("field", field)
                    .with("query", value);
                audited(&state, &context, event, async {
                    let searcher = search::Searcher {
                        store: &state.store,
                        linker: &state.linker,
                        key: &state.token_key,
                    };
                    let result =
                        search::search(searcher, &context.principal, &query.q, query.limit)
                            .await
                            .map_err(reject)?;
                    Ok(warp::reply::json(&result))
                })
                .await
            },
        );
    let person =
        warp::path!("people" / String / String)
            .and(warp::get())
            .and(context(state.clone()))
            .and(with_state(state))
            .and_then(
                |acquirer: String,
                 merchant_id: String,
                 context: RequestContext,
                 state: AppState| async move {
                    let event = Event::new(
                        Action::PersonRead,
                        format!("merchant:{acquirer}/{merchant_id}"),
                    );
                    audited(&state, &context, event, async {
                        let view = search::person(
                            &state.store,
                            &context.principal,
                            &acquirer,
                            &merchant_id,
                        )
                        .await
                        .map_err(reject)?;
                        Ok(warp::reply::json(&view))
                    })
                    .await
                },
            );
    find.or(person)
}
