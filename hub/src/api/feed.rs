//! `/v1/feed`: the signed blacklist feed (SPEC §8), for every member.
//!
//! `events` answers NDJSON, one [`feed::SignedEvent`] per line; the token
//! key (needed to screen offline) goes to subscriber and admin keys only.

use serde::Deserialize;
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::views::TokenKeyView;
use super::{ApiError, audited, authenticated, context, query, reject, with_state};
use crate::audit::{Action, Event, RequestContext};
use crate::auth::{Principal, Role};
use crate::startup::AppState;

/// Default and largest page of events.
const DEFAULT_LIMIT: u64 = 1_000;
const MAX_LIMIT: u64 = 10_000;

/// `GET /v1/feed/events` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct EventsQuery {
    /// Events with a `seq` above this (0: from the start).
    after: Option<u64>,
    /// Page size, 1–10000 (default 1000).
    limit: Option<u64>,
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let head = warp::path!("feed" / "head")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state.clone()))
        .and_then(|_principal: Principal, state: AppState| async move {
            let head = state.blacklist.feed().head().await.map_err(reject)?;
            Ok::<_, Rejection>(warp::reply::json(&head))
        });
    let key = warp::path!("feed" / "key")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state.clone()))
        .map(|_principal: Principal, state: AppState| {
            warp::reply::json(&state.blacklist.feed().key())
        });
    let token_key = warp::path!("feed" / "token-key")
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(|context: RequestContext, state: AppState| async move {
            // Every hand-out of the network key is in the audit log.
            let event = Event::new(Action::TokenKeyRead, "token-key");
            audited(&state, &context, event, async {
                if !matches!(context.principal.role, Role::Subscriber | Role::Admin) {
                    return Err(reject(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        "the token key goes to subscriber keys only",
                    )));
                }
                Ok(warp::reply::json(&TokenKeyView {
                    token_key: state.token_key.to_hex(),
                }))
            })
            .await
        });
    let events = warp::path!("feed" / "events")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(query::<EventsQuery>())
        .and(with_state(state))
        .and_then(
            |_principal: Principal, query: EventsQuery, state: AppState| async move {
                let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
                if !(1..=MAX_LIMIT).contains(&limit) {
                    return Err(reject(ApiError::bad_request(
                        "invalid_query",
                        format!("limit must be between 1 and {MAX_LIMIT}"),
                    )));
                }
                let events = state
                    .blacklist
                    .feed()
                    .events(query.after.unwrap_or(0), limit)
                    .await
                    .map_err(reject)?;
                let mut body = String::new();
                for event in &events {
                    body.push_str(
                        &serde_json::to_string(event)
                            .map_err(|e| reject(ApiError::internal(&e)))?,
                    );
                    body.push('\n');
                }
                Ok::<_, Rejection>(warp::reply::with_header(
                    body,
                    "content-type",
                    "application/x-ndjson",
                ))
            },
        );
    head.or(key).or(token_key).or(events)
}
