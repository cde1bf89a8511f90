//! `POST /v1/terminals/locations` (terminal location reports) and
//! `GET /v1/photos/{sha256}` (a stored photo, to those allowed to see it).

use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, audited, context, reject, require_merchant_reader, with_state};
use crate::audit::{Action, Event, RequestContext};
use crate::auth::Principal;
use crate::startup::AppState;
use crate::verify::terminals::{self, ReportError};

/// Largest report request: 10,000 reports of about 120 bytes, with room.
const MAX_REPORTS_BODY: u64 = 4 << 20;

impl From<ReportError> for ApiError {
    fn from(error: ReportError) -> Self {
        let message = error.to_string();
        match error {
            ReportError::NotAnAcquirer => ApiError::forbidden(message),
            ReportError::Malformed(_) => ApiError::bad_request("invalid_body", message),
            ReportError::Empty => ApiError::bad_request("reports_empty", message),
            ReportError::TooMany => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_many_reports", message)
            }
            ReportError::Store(store) => store.into(),
        }
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let reports = warp::path!("terminals" / "locations")
        .and(warp::post())
        .and(context(state.clone()))
        .and(warp::body::content_length_limit(MAX_REPORTS_BODY))
        .and(warp::body::bytes())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, body: bytes::Bytes, state: AppState| async move {
                let event = Event::new(Action::TerminalReport, "terminals");
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    let result = terminals::report(
                        &state.store,
                        principal,
                        &body,
                        &state.location,
                        &state.metrics,
                    )
                    .await
                    .map_err(reject)?;
                    Ok(warp::reply::json(&result))
                })
                .await
            },
        );
    let photo = warp::path!("photos" / String)
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state))
        .and_then(
            |sha256: String, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::PhotoRead, format!("photo:{sha256}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    photo(&state, principal, &sha256).await.map_err(reject)
                })
                .await
            },
        );
    reports.or(photo)
}

/// Analysts and admins see every photo; an acquirer sees its own
/// merchants' photos and those in shared_photo alerts it is a member of.
/// Anything else is a 404, as if the photo did not exist.
async fn photo(
    state: &AppState,
    principal: &Principal,
    sha256: &str,
) -> Result<warp::reply::Response, ApiError> {
    require_merchant_reader(principal)?;
    let not_found = || ApiError::not_found("photo_not_found", "no such photo");
    if !principal.sees_everything() {
        let acquirer = principal.acquirer.as_deref().unwrap_or_default();
        if !state.store.photo_visible_to(sha256, acquirer).await? {
            return Err(not_found());
        }
    }
    let bytes = state
        .photos
        .get(sha256)
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(not_found)?;
    let content_type = if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        "image/png"
    } else {
        "image/jpeg"
    };
    let mut response = warp::reply::Response::new(bytes.into());
    response.headers_mut().insert(
        warp::http::header::CONTENT_TYPE,
        warp::http::HeaderValue::from_static(content_type),
    );
    Ok(response)
}
