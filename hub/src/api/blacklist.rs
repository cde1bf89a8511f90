//! `/v1/blacklist`: report, import, list, show, review, remove, update.

use matcher::Penalty;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::views::{HistoryView, ImportView};
use super::{
    ApiError, audited, audited_as, context, json_body, json_body_up_to, query, reject, with_state,
};
use crate::audit::{Action, Event, RequestContext};
use crate::blacklist::BlacklistError;
use crate::startup::AppState;
use crate::store::EntryFilter;

/// Largest import body.
const IMPORT_BYTES: u64 = 32 << 20;

impl From<BlacklistError> for ApiError {
    fn from(error: BlacklistError) -> Self {
        let message = error.to_string();
        let code = error.code();
        match error {
            BlacklistError::Invalid(issues) => {
                ApiError::bad_request(code, message).with_details(json!({ "errors": issues }))
            }
            BlacklistError::NotFound(_) => ApiError::not_found(code, message),
            BlacklistError::Forbidden(_) | BlacklistError::SelfReview => {
                ApiError::new(StatusCode::FORBIDDEN, code, message)
            }
            BlacklistError::WrongStatus { .. } | BlacklistError::Duplicate(_) => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            BlacklistError::NoteRequired
            | BlacklistError::InvalidRemoval
            | BlacklistError::TooMany => ApiError::bad_request(code, message),
            BlacklistError::Store(store) => store.into(),
        }
    }
}

/// `GET /v1/blacklist` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// `reported`, `active`, `rejected` or `removed`.
    status: Option<String>,
    /// What entries name.
    #[param(value_type = Option<matcher::SubjectType>)]
    subject_type: Option<String>,
    /// Only entries this acquirer code (or `association`) reported.
    reporter: Option<String>,
    /// Entries with an id below this (the next page's cursor).
    before: Option<i64>,
    /// Page size, 1–1000 (default 100).
    limit: Option<i64>,
}

/// `POST /v1/blacklist/import` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Entries in the report format.
    pub entries: Vec<Value>,
}

/// `approve` and `reject` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// Why.
    pub note: String,
}

/// `remove` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveRequest {
    /// `appeal_upheld` or `error`.
    pub removal: String,
    /// Why.
    pub note: String,
}

/// `update` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// New penalty.
    pub penalty: Option<String>,
    /// New expiry (RFC 3339).
    pub expires_at: Option<String>,
    /// Why.
    pub note: String,
}

fn filter_of(query: ListQuery) -> Result<EntryFilter, ApiError> {
    if let Some(status) = &query.status
        && !["reported", "active", "rejected", "removed"].contains(&status.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            "status must be reported, active, rejected or removed",
        ));
    }
    if let Some(subject) = &query.subject_type {
        subject
            .parse::<matcher::SubjectType>()
            .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()))?;
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 1000",
        ));
    }
    Ok(EntryFilter {
        status: query.status,
        subject_type: query.subject_type,
        reporter: query.reporter,
        visible_to: None,
        before: query.before,
        limit,
    })
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let report = warp::path!("blacklist")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<Value>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, body: Value, state: AppState| async move {
                let event = Event::new(Action::BlacklistReport, "blacklist");
                audited_as(&state, &context, event, async {
                    let principal = &context.principal;
                    let view = state
                        .blacklist
                        .report(principal, &body)
                        .await
                        .map_err(reject)?;
                    let target = format!("entry:{}", view.id);
                    Ok((
                        warp::reply::with_status(warp::reply::json(&view), StatusCode::CREATED),
                        Some(target),
                    ))
                })
                .await
            },
        );
    let import = warp::path!("blacklist" / "import")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body_up_to::<ImportRequest>(IMPORT_BYTES))
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, body: ImportRequest, state: AppState| async move {
                let event = Event::new(Action::BlacklistImport, "blacklist")
                    .with("entries", body.entries.len() as u64);
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let results = state
                        .blacklist
                        .import(principal, &body.entries)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&ImportView { results }))
                })
                .await
            },
        );
    let list = warp::path!("blacklist")
        .and(warp::get())
        .and(context(state.clone()))
        .and(query::<ListQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, query: ListQuery, state: AppState| async move {
                let event = Event::new(Action::BlacklistList, "blacklist");
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let filter = filter_of(query).map_err(reject)?;
                    let views = state
                        .blacklist
                        .list(principal, filter)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&views))
                })
                .await
            },
        );
    let show = warp::path!("blacklist" / i64)
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::BlacklistRead, format!("entry:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let view = state.blacklist.show(principal, id).await.map_err(reject)?;
                    Ok(warp::reply::json(&view))
                })
                .await
            },
        );
    let history = warp::path!("blacklist" / i64 / "history")
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::BlacklistHistory, format!("entry:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let transitions = state
                        .blacklist
                        .history(principal, id)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&HistoryView { transitions }))
                })
                .await
            },
        );
    let approve = warp::path!("blacklist" / i64 / "approve")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<NoteRequest>())
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, body: NoteRequest, state: AppState| async move {
                let event = Event::new(Action::BlacklistApprove, format!("entry:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let approval = state
                        .blacklist
                        .approve(principal, id, &body.note)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&approval))
                })
                .await
            },
        );
    let reject_route = warp::path!("blacklist" / i64 / "reject")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<NoteRequest>())
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, body: NoteRequest, state: AppState| async move {
                let event = Event::new(Action::BlacklistReject, format!("entry:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let view = state
                        .blacklist
                        .reject(principal, id, &body.note)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&view))
                })
                .await
            },
        );
    let remove = warp::path!("blacklist" / i64 / "remove")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<RemoveRequest>())
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, body: RemoveRequest, state: AppState| async move {
                let event = Event::new(Action::BlacklistRemove, format!("entry:{id}"))
                    .with("removal", body.removal.clone());
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let view = state
                        .blacklist
                        .remove(principal, id, &body.removal, &body.note)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&view))
                })
                .await
            },
        );
    let update = warp::path!("blacklist" / i64 / "update")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<UpdateRequest>())
        .and(with_state(state))
        .and_then(
            |id: i64, context: RequestContext, body: UpdateRequest, state: AppState| async move {
                let event = Event::new(Action::BlacklistUpdate, format!("entry:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let penalty = body
                        .penalty
                        .as_deref()
                        .map(str::parse::<Penalty>)
                        .transpose()
                        .map_err(|e| {
                            reject(ApiError::bad_request("invalid_enum", e.to_string()))
                        })?;
                    let view = state
                        .blacklist
                        .update(
                            principal,
                            id,
                            penalty,
                            body.expires_at.as_deref(),
                            &body.note,
                        )
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&view))
                })
                .await
            },
        );
    report
        .or(import)
        .or(list)
        .or(show)
        .or(history)
        .or(approve)
        .or(reject_route)
        .or(remove)
        .or(update)
}
