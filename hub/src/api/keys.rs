//! `/v1/keys`: admins create, list and revoke API keys.

use serde::{Deserialize, Serialize};
use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::{ApiError, authenticated, json_body, reject, with_state};
use crate::auth::{self, Principal, Role};
use crate::clock;
use crate::startup::AppState;
use crate::store::KeyRow;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateKey {
    role: Role,
    acquirer: Option<String>,
    label: Option<String>,
}

/// A key as listed: everything but the secret.
#[derive(Debug, Serialize)]
struct KeyView {
    key_id: String,
    role: String,
    acquirer: Option<String>,
    label: Option<String>,
    created_at: String,
    created_by: String,
    revoked_at: Option<String>,
    revoked_by: Option<String>,
}

impl From<KeyRow> for KeyView {
    fn from(row: KeyRow) -> Self {
        KeyView {
            key_id: row.key_id,
            role: row.role,
            acquirer: row.acquirer,
            label: row.label,
            created_at: row.created_at,
            created_by: row.created_by,
            revoked_at: row.revoked_at,
            revoked_by: row.revoked_by,
        }
    }
}

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
        .and(authenticated(state.clone()))
        .and(json_body::<CreateKey>())
        .and(with_state(state.clone()))
        .and_then(
            |principal: Principal, body: CreateKey, state: AppState| async move {
                require_admin(&principal)?;
                let issued = auth::create_key(
                    &state.store,
                    body.role,
                    body.acquirer.as_deref(),
                    body.label.as_deref(),
                    &principal.key_id,
                )
                .await
                .map_err(reject)?;
                Ok::<_, Rejection>(warp::reply::with_status(
                    warp::reply::json(&issued),
                    StatusCode::CREATED,
                ))
            },
        );
    let list = warp::path!("keys")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state.clone()))
        .and_then(|principal: Principal, state: AppState| async move {
            require_admin(&principal)?;
            let keys = state.store.list_keys().await.map_err(reject)?;
            let views: Vec<KeyView> = keys.into_iter().map(KeyView::from).collect();
            Ok::<_, Rejection>(warp::reply::json(&views))
        });
    let revoke = warp::path!("keys" / String / "revoke")
        .and(warp::post())
        .and(authenticated(state.clone()))
        .and(with_state(state))
        .and_then(
            |key_id: String, principal: Principal, state: AppState| async move {
                require_admin(&principal)?;
                let row = state
                    .store
                    .revoke_key(&key_id, &clock::now(), &principal.key_id)
                    .await
                    .map_err(reject)?
                    .ok_or_else(|| reject(ApiError::not_found("key_not_found", "no such key")))?;
                tracing::info!(key_id, by = principal.key_id, "API key revoked");
                Ok::<_, Rejection>(warp::reply::json(&KeyView::from(row)))
            },
        );
    create.or(list).or(revoke)
}
