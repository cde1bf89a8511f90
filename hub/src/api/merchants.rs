//! `/v1/merchants/{acquirer}/{merchant_id}`: a merchant's current record and history.
//!
//! An acquirer reads its own merchants in full; another acquirer's merchant
//! is 403 here (it appears only, redacted, as evidence in alerts — SPEC §9).
//! "In full" still means tokens and masked forms: nothing stored is clear.
//! Both reads need a purpose and are audited.

use warp::{Filter, Rejection, Reply};

use super::views::{MerchantVersionView, MerchantView};
use super::{ApiError, audited, context, reject, with_state};
use crate::audit::{Action, Event, RequestContext};
use crate::startup::AppState;

fn check_access(context: &RequestContext, acquirer: &str) -> Result<(), Rejection> {
    context.require_merchant_reader()?;
    if !context.principal.may_read_acquirer(acquirer) {
        return Err(reject(ApiError::forbidden(
            "this merchant belongs to another acquirer",
        )));
    }
    Ok(())
}

fn target(acquirer: &str, merchant_id: &str) -> String {
    format!("merchant:{acquirer}/{merchant_id}")
}

pub(super) fn routes(
    state: AppState,
) -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let show =
        warp::path!("merchants" / String / String)
            .and(warp::get())
            .and(context(state.clone()))
            .and(with_state(state.clone()))
            .and_then(
                |acquirer: String,
                 merchant_id: String,
                 context: RequestContext,
                 state: AppState| async move {
                    let event = Event::new(Action::MerchantRead, target(&acquirer, &merchant_id));
                    audited(&state, &context, event, async {
                        check_access(&context, &acquirer)?;
                        let row = state
                            .store
                            .get_merchant(&acquirer, &merchant_id)
                            .await
                            .map_err(reject)?
                            .ok_or_else(|| {
                                reject(ApiError::not_found(
                                    "merchant_not_found",
                                    "no such merchant",
                                ))
                            })?;
                        Ok(warp::reply::json(&MerchantView::from(row)))
                    })
                    .await
                },
            );
    let versions =
        warp::path!("merchants" / String / String / "versions")
            .and(warp::get())
            .and(context(state.clone()))
            .and(with_state(state))
            .and_then(
                |acquirer: String,
                 merchant_id: String,
                 context: RequestContext,
                 state: AppState| async move {
                    let event =
                        Event::new(Action::MerchantVersions, target(&acquirer, &merchant_id));
                    audited(&state, &context, event, async {
                        check_access(&context, &acquirer)?;
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
                        Ok(warp::reply::json(&versions))
                    })
                    .await
                },
            );
    show.or(versions)
}
