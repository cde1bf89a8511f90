//! HTTP routes. Handlers are thin: authenticate, parse the request, call a
//! domain function, serialise its answer. Errors go to [`error::recover`].

mod alerts;
mod audit;
mod batches;
mod blacklist;
pub mod error;
mod feed;
mod health;
mod keys;
mod merchants;
mod metrics;
pub mod openapi;
mod screen;
mod search;
mod templates;
mod verify;
pub mod views;

use std::convert::Infallible;
use std::future::Future;

use warp::{Filter, Rejection, Reply};

use crate::audit::{Event, Outcome, Purpose, RequestContext};
use crate::auth::{self, AuthError, Principal};
use crate::serve::Peer;
use crate::startup::AppState;

pub use alerts::DecisionRequest;
pub use blacklist::{ImportRequest, NoteRequest, RemoveRequest};
pub use error::{ApiError, reject};
pub use keys::RotateRequest;
pub use openapi::ApiDoc;
pub use templates::{ROUTES, UNMATCHED, route_template};

/// Every route of the hub, with errors mapped to JSON.
pub fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone + Send + Sync + 'static {
    // Each resource's routes are boxed: a request that no route takes is
    // tried against all of them, and unboxed, the nested futures of that
    // walk outgrow a worker thread's stack in a debug build.
    let v1 = warp::path("v1").and(
        keys::routes(state.clone())
            .boxed()
            .or(batches::routes(state.clone()).boxed())
            .or(alerts::routes(state.clone()).boxed())
            .or(search::routes(state.clone()).boxed())
            .or(merchants::routes(state.clone()).boxed())
            .or(verify::routes(state.clone()).boxed())
            .or(blacklist::routes(state.clone()).boxed())
            .or(screen::routes(state.clone()).boxed())
            .or(feed::routes(state.clone()).boxed())
            .or(audit::routes(state.clone()).boxed())
            .or(me(state.clone()).boxed())
            .or(openapi::routes().boxed()),
    );
    // The access log line, the request id and the HTTP metrics are the
    // accept loop's (`crate::serve`): it sees every answer, these included.
    health::routes(state.clone())
        .or(metrics::routes(state))
        .or(v1)
        .recover(error::recover)
}

/// Pass the shared state into a handler.
pub(crate) fn with_state(
    state: AppState,
) -> impl Filter<Extract = (AppState,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Authenticate the request's bearer key, refusing metrics keys: they read
/// `GET /metrics` and nothing else, which this one gate in front of every
/// other authenticated route makes so (see [`any_key`]).
pub(crate) fn authenticated(
    state: AppState,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone {
    any_key(state).and_then(|principal: Principal| async move {
        if principal.role.reads_only_metrics() {
            Err(reject(ApiError::forbidden(
                "a metrics key reads GET /metrics only",
            )))
        } else {
            Ok(principal)
        }
    })
}

/// Authenticate the request's bearer key, of any role, and take one request
/// from its rate limit. Failed attempts count against the peer's address
/// instead (a key cannot be guessed, but a flood of guesses still costs a
/// store lookup each), so a client hammering with bad keys is slowed down
/// too.
pub(crate) fn any_key(
    state: AppState,
) -> impl Filter<Extract = (Principal,), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(warp::ext::optional::<Peer>())
        .and_then(move |header: Option<String>, peer: Option<Peer>| {
            let state = state.clone();
            async move {
                let limited = |wait: std::time::Duration| {
                    reject(AuthError::RateLimited {
                        retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
                    })
                };
                let principal = match auth::authenticate(&state.store, header.as_deref()).await {
                    Ok(principal) => principal,
                    Err(AuthError::Store(error)) => return Err(reject(AuthError::Store(error))),
                    Err(refused) => {
                        if let Some(Peer(address)) = peer {
                            state
                                .failed_auth_limiter
                                .check(&address.ip().to_string())
                                .map_err(limited)?;
                        }
                        return Err(reject(refused));
                    }
                };
                state
                    .rate_limiter
                    .check(&principal.key_id)
                    .map_err(limited)?;
                Ok::<_, Rejection>(principal)
            }
        })
}

/// The header a caller declares its purpose in (SPEC §9).
pub const PURPOSE_HEADER: &str = "mhub-purpose";

/// Who is asking (authenticated and rate-limited), from where, and why.
pub(crate) fn context(
    state: AppState,
) -> impl Filter<Extract = (RequestContext,), Error = Rejection> + Clone {
    authenticated(state)
        .and(warp::ext::optional::<Peer>())
        .and(warp::header::optional::<String>(PURPOSE_HEADER))
        .and_then(
            |principal: Principal, peer: Option<Peer>, purpose: Option<String>| async move {
                let purpose = purpose
                    .map(|text| text.trim().parse::<Purpose>())
                    .transpose()
                    .map_err(reject)?;
                Ok::<_, Rejection>(RequestContext {
                    principal,
                    remote: peer.map(|Peer(address)| address.ip()),
                    purpose,
                })
            },
        )
}

/// Run a handler's `work` and record it in the audit log, answered or
/// refused; the answer goes out only once its event is stored. An action
/// that needs a purpose is refused (and recorded) without one.
pub(crate) async fn audited<R: Reply>(
    state: &AppState,
    context: &RequestContext,
    event: Event,
    work: impl Future<Output = Result<R, Rejection>>,
) -> Result<warp::reply::Response, Rejection> {
    audited_as(state, context, event, async {
        work.await.map(|reply| (reply, None))
    })
    .await
}

/// [`audited`] for work that names its target only once done (a created
/// entry's id, a stored batch): `work` answers the reply and that target.
pub(crate) async fn audited_as<R: Reply>(
    state: &AppState,
    context: &RequestContext,
    mut event: Event,
    work: impl Future<Output = Result<(R, Option<String>), Rejection>>,
) -> Result<warp::reply::Response, Rejection> {
    let result = if event.action.needs_purpose() && context.purpose.is_none() {
        Err(reject(crate::audit::AuditError::PurposeRequired))
    } else {
        work.await
    };
    let (result, outcome) = match result {
        Ok((reply, target)) => {
            if let Some(target) = target {
                event.target = target;
            }
            let response = reply.into_response();
            let status = response.status().as_u16();
            (Ok(response), Outcome { status, code: None })
        }
        Err(rejection) => {
            let (status, code) = ApiError::of_rejection(&rejection).outcome();
            (
                Err(rejection),
                Outcome {
                    status: status.as_u16(),
                    code: Some(code),
                },
            )
        }
    };
    match state.audit.record(context, &event, outcome).await {
        Ok(_) => result,
        // A refusal stays the refusal (nothing was read, and its cause, a
        // database that went away say, is the better answer); only an
        // answer that would go out unrecorded is withheld.
        Err(error) if result.is_err() => {
            tracing::warn!(%error, action = event.action.as_str(), "refusal not audited");
            result
        }
        Err(error) => Err(reject(error)),
    }
}

/// A small JSON body, parsed here so a bad one is a 400 `invalid_body` with
/// serde's explanation (warp's own `json()` rejection loses to a 405 when
/// another route shares the path).
pub(crate) fn json_body<T: serde::de::DeserializeOwned + Send>()
-> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    json_body_up_to(64 * 1024)
}

/// A query string parsed into `T`; a bad one is a 400 `invalid_query`. Like
/// [`json_body`], it rejects with our own error: with warp's `InvalidQuery`,
/// a route sharing the path under another method adds its 405 to the
/// rejection, which [`error::recover`] finds first (`GET
/// /v1/batches?limit=x` was a 405; found by schemathesis, issue 7).
pub(crate) fn query<T: serde::de::DeserializeOwned + Send + 'static>()
-> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::query::<T>().or_else(|rejection: Rejection| async move {
        let message = rejection
            .find::<warp::reject::InvalidQuery>()
            .map_or_else(|| "invalid query string".to_owned(), ToString::to_string);
        Err::<(T,), _>(reject(ApiError::bad_request("invalid_query", message)))
    })
}

/// A JSON body of at most `limit` bytes (imports and screens carry many
/// records), parsed like [`json_body`].
pub(crate) fn json_body_up_to<T: serde::de::DeserializeOwned + Send>(
    limit: u64,
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::body::content_length_limit(limit)
        .and(warp::body::bytes())
        .and_then(|bytes: bytes::Bytes| async move {
            serde_json::from_slice::<T>(&bytes).map_err(|e| {
                reject(ApiError::bad_request(
                    "invalid_body",
                    format!("request body is not valid: {e}"),
                ))
            })
        })
}

/// Merchant data (batches, merchants, alerts) is for acquirers, analysts
/// and admins; subscribers read the blacklist feed only (SPEC §9), and
/// metrics keys (refused before any handler by [`authenticated`]) nothing.
pub(crate) fn require_merchant_reader(principal: &Principal) -> Result<(), ApiError> {
    match principal.role {
        crate::auth::Role::Subscriber => Err(ApiError::forbidden("subscribers read the feed only")),
        crate::auth::Role::Metrics => {
            Err(ApiError::forbidden("a metrics key reads GET /metrics only"))
        }
        _ => Ok(()),
    }
}

impl RequestContext {
    /// Subscribers read the feed only ([`require_merchant_reader`]).
    pub(crate) fn require_merchant_reader(&self) -> Result<(), Rejection> {
        require_merchant_reader(&self.principal).map_err(reject)
    }
}

/// `GET /v1/me`: who the key belongs to.
fn me(state: AppState) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    warp::path!("me")
        .and(warp::get())
        .and(authenticated(state))
        .map(|principal: Principal| warp::reply::json(&principal))
}
