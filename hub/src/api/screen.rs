//! `POST /v1/screen`: prospective merchants against the blacklist.

use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, authenticated, json_body_up_to, reject, with_state};
use crate::auth::Principal;
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
            ScreenError::Purpose | ScreenError::Records => ApiError::bad_request(code, message),
            ScreenError::Store(store) => store.into(),
        }
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("screen")
        .and(warp::post())
        .and(authenticated(state.clone()))
        .and(json_body_up_to::<ScreenRequest>(SCREEN_BYTES))
        .and(with_state(state))
        .and_then(
            |principal: Principal, body: ScreenRequest, state: AppState| async move {
                let results = state
                    .screening
                    .screen(&principal, &body)
                    .await
                    .map_err(reject)?;
                Ok::<_, Rejection>(warp::reply::json(&ScreenResponse { results }))
            },
        )
}
