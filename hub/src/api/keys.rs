//! `/v1/keys`: admins create, list, revoke and rotate API keys; every key
//! may rotate itself. Every call is audited (key changes are security
//! events an auditor asks about first).

use serde::{Deserialize, Serialize};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::views::{CreateKeyRequest, KeyView};
use super::{ApiError, audited, audited_as, context, json_body, reject, with_state};
use crate::audit::{Action, Event, RequestContext};
use crate::auth::{self, Principal, Role};
use crate::clock;
use crate::startup::AppState;

/// `POST /v1/keys/{key_id}/rotate` body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// How long the old key keeps working, in seconds (default one day,
    /// at most 30 days; 0 ends it at once).
    pub grace_secs: Option<u64>,
}

/// The default overlap of a rotated key with its replacement.
const DEFAULT_GRACE_SECS: u64 = 24 * 3600;

fn require_admin(principal: &Principal) -> Result<(), Rejection> {
    if principal.role == Role::Admin {
        Ok(())
    } else {
        Err(reject(ApiError::forbidden("only admin keys manage keys")))
    }
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let create = warp::path!("keys")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<CreateKeyRequest>())
        .and(with_state(state.clone()))
        .and_then(
            |context: RequestContext, body: CreateKeyRequest, state: AppState| async move {
                let event = Event::new(Action::KeyCreate, "key")
                    .with("role", body.role.as_str())
                    .with("acquirer", body.acquirer.clone().unwrap_or_default());
                audited_as(&state, &context, event, async {
                    require_admin(&context.principal)?;
                    let issued = auth::create_key(
                        &state.store,
                        body.role,
                        body.acquirer.as_deref(),
                        body.label.as_deref(),
                        &context.principal.key_id,
                    )
                    .await
                    .map_err(reject)?;
                    let target = format!("key:{}", issued.key_id);
                    Ok((
                        warp::reply::with_status(warp::reply::json(&issued), StatusCode::CREATED),
                        Some(target),
                    ))
                })
                .await
            },
        );
    let list = warp::path!("keys")
        .and(warp::get())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(|context: RequestContext, state: AppState| async move {
            audited(
                &state,
                &context,
                Event::new(Action::KeyList, "keys"),
                async {
                    require_admin(&context.principal)?;
                    let keys = state.store.list_keys().await.map_err(reject)?;
                    let views: Vec<KeyView> = keys.into_iter().map(KeyView::from).collect();
                    Ok(warp::reply::json(&views))
                },
            )
            .await
        });
    let revoke = warp::path!("keys" / String / "revoke")
        .and(warp::post())
        .and(context(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |key_id: String, context: RequestContext, state: AppState| async move {
                let event = Event::new(Action::KeyRevoke, format!("key:{key_id}"));
                audited(&state, &context, event, async {
                    let principal = &context.principal;
                    require_admin(principal)?;
                    let row = state
                        .store
                        .revoke_key(&key_id, &clock::now(), &principal.key_id)
                        .await
                        .map_err(reject)?
                        .ok_or_else(|| {
                            reject(ApiError::not_found("key_not_found", "no such key"))
                        })?;
                    tracing::info!(key_id, by = principal.key_id, "API key revoked");
                    Ok(warp::reply::json(&KeyView::from(row)))
                })
                .await
            },
        );
    let rotate = warp::path!("keys" / String / "rotate")
        .and(warp::post())
        .and(context(state.clone()))
        .and(json_body::<RotateRequest>())
        .and(with_state(state))
        .and_then(
            |key_id: String, context: RequestContext, body: RotateRequest, state: AppState| async move {
                let grace = body.grace_secs.unwrap_or(DEFAULT_GRACE_SECS);
                let event = Event::new(Action::KeyRotate, format!("key:{key_id}"))
                    .with("grace_secs", grace);
                audited(&state, &context, event, async {
                    let rotated = auth::rotate_key(&state.store, &context.principal, &key_id, grace)
                        .await
                        .map_err(reject)?;
                    Ok(warp::reply::with_status(
                        warp::reply::json(&rotated),
                        StatusCode::CREATED,
                    ))
                })
                .await
            },
        );
    create.or(list).or(revoke).or(rotate)
}
