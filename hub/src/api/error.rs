//! The one place where errors become HTTP responses.
//!
//! Every handler error is an [`ApiError`]: a status, a stable machine-readable
//! `code`, and a message for people. Domain errors convert into it with
//! `From`; warp's own rejections (no route, wrong method, body too large…)
//! are mapped in [`recover`]. Unexpected failures are logged with their cause
//! chain and answered with an opaque 500 `internal`, so no stored value ever
//! leaks through an error message. Every error body carries the id of its
//! request ([`crate::request_id`]), the same as its `X-Request-Id` header
//! and its log lines.

use std::convert::Infallible;

use warp::http::StatusCode;
use warp::{Rejection, Reply};

use super::views::{ErrorBody, ErrorEnvelope};
use crate::audit::AuditError;
use crate::auth::AuthError;
use crate::ingest::IngestError;
use crate::linking::LinkError;
use crate::metrics::MetricsError;
use crate::request_id::RequestId;
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
    retry_after_secs: Option<u64>,
}

impl warp::reject::Reject for ApiError {}

impl ApiError {
    /// A client error with a code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after_secs: None,
        }
    }

    /// Attach structured details (for example the row errors of a refused batch).
    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        self.details = Some(details);
        self
    }

    /// 404 with a specific code.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 400 with a specific code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 500 `internal`, after logging the cause chain.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> ApiError {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the hub logged the cause",
        )
    }

    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    fn into_response(self) -> warp::reply::Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
                details: self.details,
                // Set around the whole of a request's handling, this
                // function included, by the accept loop; absent only when
                // an error is answered outside of one.
                request_id: RequestId::current().map(|id| id.as_str().to_owned()),
            },
        };
        let mut response =
            warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(warp::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

/// Turn any error convertible to [`ApiError`] into a warp rejection.
pub fn reject(error: impl Into<ApiError>) -> Rejection {
    warp::reject::custom(error.into())
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            // The database being down or overloaded is not a bug: say so.
            unavailable if unavailable.is_unavailable() => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the database is unavailable; retry later",
            ),
            // Nothing was written: the hub must restart with the new key,
            // and another hub of the database may already serve.
            StoreError::TokenKeyChanged => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "token_key_changed",
                StoreError::TokenKeyChanged.to_string(),
            ),
            other => ApiError::internal(&other),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        let message = error.to_string();
        match error {
            AuthError::Missing => ApiError::new(StatusCode::UNAUTHORIZED, "key_missing", message),
            AuthError::Malformed => {
                ApiError::new(StatusCode::UNAUTHORIZED, "key_malformed", message)
            }
            AuthError::Unknown => ApiError::new(StatusCode::UNAUTHORIZED, "key_unknown", message),
            AuthError::Revoked => ApiError::new(StatusCode::UNAUTHORIZED, "key_revoked", message),
            AuthError::Expired => ApiError::new(StatusCode::UNAUTHORIZED, "key_expired", message),
            AuthError::RateLimited { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message)
            },
            AuthError::Forbidden(_) => ApiError::forbidden(message),
            AuthError::NotFound => ApiError::not_found("key_not_found", message),
            AuthError::NotRotatable => {
                ApiError::new(StatusCode::CONFLICT, "key_not_rotatable", message)
            }
            AuthError::GraceTooLong => ApiError::bad_request("invalid_grace", message),
            AuthError::InvalidAcquirer(_) => ApiError::bad_request("invalid_acquirer", message),
            AuthError::AcquirerMismatch => ApiError::bad_request("invalid_acquirer", message),
            AuthError::Store(store) => store.into(),
        }
    }
}

impl From<AuditError> for ApiError {
    fn from(error: AuditError) -> Self {
        let message = error.to_string();
        match error {
            AuditError::InvalidPurpose => ApiError::bad_request("invalid_purpose", message),
            AuditError::PurposeRequired => ApiError::bad_request("purpose_required", message),
            AuditError::Forbidden => ApiError::forbidden(message),
            AuditError::BadQuery(_) => ApiError::bad_request("invalid_query", message),
            AuditError::NotCanonical(_) => ApiError::internal(&error),
            // No answer goes out unrecorded: a request whose audit event
            // cannot be stored fails, with a code that says why.
            // The database is down: the same answer as any other request
            // meets then, so clients retry the one way they know.
            AuditError::Store(store) if store.is_unavailable() => store.into(),
            AuditError::Store(store) => {
                tracing::error!(error = %store, "audit log write failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "audit_unavailable",
                    "the audit log cannot be written; retry later",
                )
            }
        }
    }
}

impl From<MetricsError> for ApiError {
    fn from(error: MetricsError) -> Self {
        match error {
            MetricsError::Store(store) | MetricsError::Linking(LinkError::Store(store)) => {
                store.into()
            }
            other => ApiError::internal(&other),
        }
    }
}

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        let status = error.status();
        match error {
            IngestError::Store(store) | IngestError::Linking(LinkError::Store(store)) => {
                store.into()
            }
            IngestError::Io(io) => ApiError::internal(&io),
            IngestError::Linking(linking) => ApiError::internal(&linking),
            other => ApiError::new(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                other.code(),
                other.to_string(),
            ),
        }
    }
}

/// Map every rejection to a JSON error answer. Never fails.
pub async fn recover(rejection: Rejection) -> Result<warp::reply::Response, Infallible> {
    Ok(ApiError::of_rejection(&rejection).into_response())
}

impl ApiError {
    /// The status and code a rejection is answered with.
    pub fn outcome(&self) -> (StatusCode, &'static str) {
        (self.status, self.code)
    }

    /// The error a rejection is answered with: ours as they are, warp's own
    /// mapped to codes of the same form.
    pub(crate) fn of_rejection(rejection: &Rejection) -> ApiError {
        of_rejection(rejection)
    }
}

fn of_rejection(rejection: &Rejection) -> ApiError {
    if let Some(error) = rejection.find::<ApiError>() {
        ApiError {
            status: error.status,
            code: error.code,
            message: error.message.clone(),
            details: error.details.clone(),
            retry_after_secs: error.retry_after_secs,
        }
    } else if rejection.is_not_found() {
        ApiError::not_found("not_found", "no such endpoint")
    } else if rejection.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "method not allowed on this endpoint",
        )
    } else if rejection.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "request body is over the limit",
        )
    } else if rejection.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send a Content-Length header",
        )
    } else if let Some(error) = rejection.find::<warp::reject::InvalidQuery>() {
        ApiError::bad_request("invalid_query", error.to_string())
    } else if let Some(error) = rejection.find::<warp::filters::body::BodyDeserializeError>() {
        ApiError::bad_request("invalid_body", error.to_string())
    } else if let Some(error) = rejection.find::<warp::reject::UnsupportedMediaType>() {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            error.to_string(),
        )
    } else if let Some(error) = rejection.find::<warp::reject::InvalidHeader>() {
        ApiError::bad_request("invalid_header", error.to_string())
    } else if let Some(error) = rejection.find::<warp::reject::MissingHeader>() {
        ApiError::bad_request("missing_header", error.to_string())
    } else {
        tracing::error!(?rejection, "unhandled rejection");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; the hub logged the cause",
        )
    }
}
