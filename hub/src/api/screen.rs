//! `POST /v1/screen`: prospective merchants against the blacklist.

use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, audited, context, json_body_up_to, reject, with_state};
use crate::audit::{Action, AuditError, Event, Purpose, RequestContext};
use crate::screening::{ScreenError, ScreenRequest, ScreenResponse};
use crate::startup::AppState;

/// Largest screening body (1,000 records of a few KiB).
const SCREEN_BYTES: u64 = 8 << 20;

impl From<ScreenError> for ApiError {
    fn from(error: ScreenError) -> Self {
        let message = error.to_string();
        let code = error.code();
        match error {
            ScreenError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, code, message),
            ScreenError::Records => ApiError::bad_request(code, message),
            ScreenError::Store(store) => store.into(),
        }
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("screen")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body_up_to::<ScreenRequest>(SCREEN_BYTES))
        .and(with_state(state))
        .and_then(
            |mut context: RequestContext, body: ScreenRequest, state: AppState| async move {
                // The body's purpose (the older form) stands for the header;
                // naming two different ones is a mistake worth refusing.
                if let Some(text) = &body.purpose {
                    let purpose = text.parse::<Purpose>().map_err(reject)?;
                    if context.purpose.is_some_and(|header| header != purpose) {
                        return Err(reject(ApiError::bad_request(
                            "purpose_conflict",
                            "the body's purpose and the Mhub-Purpose header differ",
                        )));
                    }
                    context.purpose = Some(purpose);
                }
                let event =
                    Event::new(Action::Screen, "screen").with("records", body.records.len() as u64);
                audited(&state, &context, event, async {
                    // `audited` refuses a purpose-less screen before this runs.
                    let purpose = context
                        .purpose
                        .ok_or_else(|| reject(AuditError::PurposeRequired))?;
                    let results = state
                        .screening
                        .screen(&context.principal, purpose, &body)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::json(&ScreenResponse { results }))
                })
                .await
            },
        )
}
