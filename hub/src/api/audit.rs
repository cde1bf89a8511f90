//! `GET /v1/audit` (the log, newest first) and `GET /v1/audit/verify` (walk
//! the chain). Reading the log is itself logged.

use warp::{Filter, Rejection, Reply};

use super::{audited, context, query, reject, with_state};
use crate::audit::{Action, AuditQuery, Event, RequestContext};
use crate::startup::AppState;

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let list = warp::path!("audit")
        .and(warp::get())
        .and(context(state.clone()))
        .and(query::<AuditQuery>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, query: AuditQuery, state: AppState| async move {
                let event = Event::new(Action::AuditList, "audit")
                    .with("key_id", query.key_id.clone().unwrap_or_default())
                    .with("action", query.action.clone().unwrap_or_default());
                audited(&state, &context, event, async {
                    let events = state
                        .audit
                        .list(&context.principal, &query)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&events))
                })
                .await
            },
        );
    let verify = warp::path!("audit" / "verify")
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state))
        .and_then(|context: RequestContext, state: AppState| async move {
            audited(
                &state,
                &context,
                Event::new(Action::AuditVerify, "audit"),
                async {
                    let report = state
                        .audit
                        .verify(&context.principal)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&report))
                },
            )
            .await
        });
    verify.or(list)
}
