//! `/v1/merchants/{acquirer}/{merchant_id}`: a merchant's current record and history.
//!
//! An acquirer reads its own merchants in full; another acquirer's merchant
//! is 403 here (it appears only, redacted, as evidence in alerts — SPEC §9).
//! "In full" still means tokens and masked forms: nothing stored is clear.

use warp::{Filter, Rejection, Reply};

use super::views::{MerchantVersionView, MerchantView};
use super::{ApiError, authenticated, reject, require_merchant_reader, with_state};
use crate::auth::Principal;
use crate::startup::AppState;

fn check_access(principal: &Principal, acquirer: &str) -> Result<(), Rejection> {
    require_merchant_reader(principal).map_err(reject)?;
    if !principal.may_read_acquirer(acquirer) {
        return Err(reject(ApiError::forbidden(
            "this merchant belongs to another acquirer",
        )));
    }
    Ok(())
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let show = warp::path!("merchants" / String / String)
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state.clone()))
        .and_then(
            |acquirer: String, merchant_id: String, principal: Principal, state: AppState| async move {
                check_access(&principal, &acquirer)?;
                let row = state
                    .store
                    .get_merchant(&acquirer, &merchant_id)
                    .await
                    .map_err(reject)?
                    .ok_or_else(|| {
                        reject(ApiError::not_found("merchant_not_found", "no such merchant"))
                    })?;
                Ok::<_, Rejection>(warp::reply::json(&MerchantView::from(row)))
            },
        );
    let versions = warp::path!("merchants" / String / String / "versions")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(with_state(state))
        .and_then(
            |acquirer: String, merchant_id: String, principal: Principal, state: AppState| async move {
                check_access(&principal, &acquirer)?;
                let rows = state
                    .store
                    .list_merchant_versions(&acquirer, &merchant_id)
                    .await
                    .map_err(reject)?;
                if rows.is_empty() {
                    return Err(reject(ApiError::not_found(
                        "merchant_not_found",
                        "no such merchant",
                    )));
                }
                let versions: Vec<MerchantVersionView> =
                    rows.into_iter().map(MerchantVersionView::from).collect();
                Ok::<_, Rejection>(warp::reply::json(&versions))
            },
        );
    show.or(versions)
}
