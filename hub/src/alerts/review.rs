//! Analysts confirm or dismiss alerts, with a reason.

use thiserror::Error;

use crate::auth::Principal;
use crate::clock;
use crate::store::{Store, StoreError};

/// An analyst's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The finding is real.
    Confirm,
    /// The finding is not a risk; remembered until new evidence arrives.
    Dismiss,
}

impl Decision {
    fn status(self) -> &'static str {
        match self {
            Decision::Confirm => "confirmed",
            Decision::Dismiss => "dismissed",
        }
    }
}

/// Why a decision was refused.
#[derive(Debug, Error)]
pub enum ReviewError {
    /// Only analysts and admins decide.
    #[error("only analysts and admins confirm or dismiss alerts")]
    Forbidden,
    /// No such alert.
    #[error("no such alert")]
    NotFound,
    /// A decision needs a reason for the record.
    #[error("a reason is required (1-1000 characters)")]
    ReasonRequired,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Record a decision on an alert, with who, when and why.
pub async fn decide(
    store: &Store,
    principal: &Principal,
    id: i64,
    decision: Decision,
    reason: &str,
) -> Result<(), ReviewError> {
    if !principal.sees_everything() {
        return Err(ReviewError::Forbidden);
    }
    let reason = matcher::normalise::text(reason);
    if reason.is_empty() || reason.chars().count() > 1000 {
        return Err(ReviewError::ReasonRequired);
    }
    if store.get_alert(id).await?.is_none() {
        return Err(ReviewError::NotFound);
    }
    let now = clock::now();
    let mut tx = store.begin_write().await?;
    tx.decide_alert(id, decision.status(), &principal.key_id, &reason, &now)
        .await?;
    tx.add_alert_event(
        id,
        &now,
        decision.status(),
        &principal.key_id,
        Some(&reason),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
