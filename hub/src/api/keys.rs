//! `/v1/keys`: admins create, list and revoke API keys.

use warp::http::StatusCode;
use warp::{Filter, Rejection, Reply};

use super::views::{CreateKeyRequest, KeyView};
use super::{ApiError, authenticated, json_body, reject, with_state};
use crate::auth::{self, Principal, Role};
use crate::clock;
use crate::startup::AppState;

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
        .and(json_body::<CreateKeyRequest>())
        .and(with_state(state.clone()))
        .and_then(
            |principal: Principal, body: CreateKeyRequest, state: AppState| async move {
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
