//! `/v1/alerts`: list, show, confirm and dismiss alerts.
//!
//! Analysts and admins see every alert; an acquirer sees the alerts that
//! involve its own merchants, with other acquirers' merchants redacted.

use serde::{Deserialize, Serialize};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{
    ApiError, audited, context, json_body, query, reject, require_merchant_reader, with_state,
};
use crate::alerts::{self, AlertView, Decision, ReviewError};
use crate::audit::{Action, Event, RequestContext};
use crate::auth::Principal;
use crate::startup::AppState;
use crate::store::AlertFilter;

/// `GET /v1/alerts` query (also the OpenAPI document's parameters).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    /// Only this case type (`one_person_many_merchants`, `shared_phone`, …).
    #[serde(rename = "type")]
    alert_type: Option<String>,
    /// `open`, `confirmed` or `dismissed`.
    status: Option<String>,
    /// Only alerts involving this acquirer's merchants (an acquirer key: its own only).
    acquirer: Option<String>,
    /// Changed at or after this RFC 3339 time.
    since: Option<String>,
    /// Changed before this RFC 3339 time.
    until: Option<String>,
    /// Alerts with an id below this (the next page's cursor).
    before: Option<i64>,
    /// Page size, 1–1000 (default 100).
    limit: Option<i64>,
}

/// `POST /v1/alerts/{id}/confirm` and `/dismiss` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// Why, for the record.
    pub reason: String,
}

const TYPES: &[&str] = &[
    "one_person_many_merchants",
    "one_terminal_many_merchants",
    "shared_phone",
    "shared_settlement_account",
    "shared_photo",
    "location_mismatch",
    "terminal_relocated",
    "blacklist_hit",
];

impl From<ReviewError> for ApiError {
    fn from(error: ReviewError) -> Self {
        let message = error.to_string();
        match error {
            ReviewError::Forbidden => ApiError::forbidden(message),
            ReviewError::NotFound => ApiError::not_found("alert_not_found", message),
            ReviewError::ReasonRequired => ApiError::bad_request("reason_required", message),
            ReviewError::Store(store) => store.into(),
        }
    }
}

/// Times are compared as stored text, so bring any RFC 3339 offset to the
/// stored UTC form first.
fn timestamp(text: &str) -> Result<String, ApiError> {
    crate::clock::parse(text).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_query",
            format!("{text:?} is not an RFC 3339 time like 2026-11-22T08:00:00+08:00"),
        )
    })
}

fn filter_for(principal: &Principal, query: ListQuery) -> Result<AlertFilter, ApiError> {
    if let Some(t) = &query.alert_type
        && !TYPES.contains(&t.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("unknown alert type {t:?}; one of {}", TYPES.join(", ")),
        ));
    }
    if let Some(s) = &query.status
        && !["open", "confirmed", "dismissed"].contains(&s.as_str())
    {
        return Err(ApiError::bad_request(
            "invalid_query",
            "status must be open, confirmed or dismissed",
        ));
    }
    require_merchant_reader(principal)?;
    let acquirer = if principal.sees_everything() {
        query.acquirer
    } else {
        let own = principal.acquirer.clone();
        if query.acquirer.is_some() && query.acquirer != own {
            return Err(ApiError::forbidden(
                "acquirer keys see only alerts involving their own merchants",
            ));
        }
        own
    };
    let since = query.since.as_deref().map(timestamp).transpose()?;
    let until = query.until.as_deref().map(timestamp).transpose()?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            "limit must be between 1 and 1000",
        ));
    }
    Ok(AlertFilter {
        alert_type: query.alert_type,
        status: query.status,
        acquirer,
        since,
        until,
        before: query.before,
        limit,
    })
}

async fn visible_alert(
    state: &AppState,
    principal: &Principal,
    id: i64,
) -> Result<crate::store::AlertRow, Rejection> {
    require_merchant_reader(principal).map_err(reject)?;
    let row = state
        .store
        .get_alert(id)
        .await
        .map_err(reject)?
        .ok_or_else(|| reject(ApiError::not_found("alert_not_found", "no such alert")))?;
    if !principal.sees_everything() {
        let acquirers = state.store.alert_acquirers(id).await.map_err(reject)?;
        if !acquirers
            .iter()
            .any(|a| Some(a.as_str()) == principal.acquirer.as_deref())
        {
            return Err(reject(ApiError::forbidden(
                "this alert involves none of your merchants",
            )));
        }
    }
    Ok(row)
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let list = warp::path!("alerts")
        .and(warp::get())
        .and(context(state.clone()))
        .and(query::<ListQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, query: ListQuery, state: AppState| async move {
                let event = Event::new(Action::AlertList, "alerts")
                    .with("type", query.alert_type.clone().unwrap_or_default())
                    .with("acquirer", query.acquirer.clone().unwrap_or_default());
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let filter = filter_for(principal, query).map_err(reject)?;
                    let rows = state.store.list_alerts(&filter).await.map_err(reject)?;
                    let views = rows
                        .into_iter()
                        .map(|row| alerts::redact_for(principal, row, None))
                        .collect::<Result<Vec<AlertView>, _>>()
                        .map_err(reject)?;
                    Ok(warp::reply::json(&views))
                })
                .await
            },
        );
    let show = warp::path!("alerts" / i64)
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |id: i64, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::AlertRead, format!("alert:{id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let row = visible_alert(&state, principal, id).await?;
                    let events = state.store.alert_events(id).await.map_err(reject)?;
                    let view = alerts::redact_for(principal, row, Some(events)).map_err(reject)?;
                    Ok(warp::reply::json(&view))
                })
                .await
            },
        );
    let decide = warp::path!("alerts" / i64 / String)
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<DecisionRequest>())
        .and(with_state(state))
        .and_then(
            |id: i64,
             verb: String,
             context: RequestContext,
             body: DecisionRequest,
             state: AppState| async move {
                let decision = match verb.as_str() {
                    "confirm" => Decision::Confirm,
                    "dismiss" => Decision::Dismiss,
                    _ => return Err(reject(ApiError::not_found("not_found", "no such endpoint"))),
                };
                let event =
                    Event::new(Action::AlertDecide, format!("alert:{id}")).with("verdict", verb);
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    alerts::decide(&state.store, principal, id, decision, &body.reason)
                        .await
                        .map_err(reject)?;
                    let row = visible_alert(&state, principal, id).await?;
                    let events = state.store.alert_events(id).await.map_err(reject)?;
                    let view = alerts::redact_for(principal, row, Some(events)).map_err(reject)?;
                    Ok(warp::reply::with_status(
                        warp::reply::json(&view),
                        StatusCode::OK,
                    ))
                })
                .await
            },
        );
    list.or(show).or(decide)
}
