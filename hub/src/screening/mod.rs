//! Screening prospective merchants against the blacklist (SPEC §7).
//!
//! The hub screens with a [`feed::Replica`]: the active entries replayed
//! from its own stored feed, kept current by [`ReplicaHandle::catch_up`]
//! (after every change this hub makes, and before every screen, so a change
//! another hub made on the same PostgreSQL is seen too). A member's offline
//! mirror replays the same events into the same type, which is why online
//! and offline screening answer alike: `records.rs` holds the part they
//! share. Online screening adds what only the hub knows — how many stored
//! merchants already share the record's people and identifiers
//! (`links.rs`) — and keeps every screen for the retention period, so an
//! entry approved later raises a retro alert on it.

mod links;
mod records;

use std::sync::{Arc, RwLock, RwLockReadGuard};

use feed::Replica;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::Purpose;
use crate::auth::{Principal, Role};
use crate::clock;
use crate::config::BlacklistPolicy;
use crate::metrics::Metrics;
use crate::store::{NewScreening, Store, StoreError};

pub use links::{ExistingLinks, Presence};
pub use records::{Candidate, FileRow, RecordScreening, read_file, screen, validate};

/// Most records in one screening request.
pub const MAX_RECORDS: usize = 1_000;

/// The hub's replica of its own feed, shared by every request.
#[derive(Clone, Default)]
pub struct ReplicaHandle(Arc<RwLock<Replica>>);

impl ReplicaHandle {
    /// Apply every stored event the replica has not seen; how many.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, StoreError> {
        const PAGE: u64 = 10_000;
        let mut applied = 0;
        loop {
            let seq = self.read().seq();
            let (head, _) = store.feed_head().await?;
            if head as u64 <= seq {
                return Ok(applied);
            }
            let rows = store.feed_events(seq as i64, PAGE as i64).await?;
            if rows.is_empty() {
                return Ok(applied);
            }
            let payloads = rows
                .iter()
                .map(|row| serde_json::from_str::<feed::Payload>(&row.payload))
                .collect::<Result<Vec<_>, _>>()?;
            let mut replica = self.0.write().unwrap_or_else(|e| e.into_inner());
            for payload in &payloads {
                // Another request may have applied some meanwhile: `apply`
                // skips what is not next.
                if replica.apply(payload) {
                    applied += 1;
                }
            }
        }
    }

    /// The replica as it stands.
    pub fn read(&self) -> RwLockReadGuard<'_, Replica> {
        // A panic while holding the lock cannot leave a half-applied event
        // (apply does not panic); carry on with what is there.
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// `POST /v1/screen` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// `onboarding`, `periodic_review` or `investigation`; may instead come
    /// in the `Mhub-Purpose` header, as for every other read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Prospective merchants in the §3 record format.
    pub records: Vec<Value>,
}

/// `POST /v1/screen` answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScreenResponse {
    /// One per record, in order.
    pub results: Vec<RecordScreening>,
}

/// Why a screening request was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    /// Subscribers screen offline against their mirror.
    #[error("subscribers screen offline against their feed mirror (mhub feed screen)")]
    Forbidden,
    /// No records, or too many.
    #[error("send between 1 and {MAX_RECORDS} records")]
    Records,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ScreenError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ScreenError::Forbidden => "forbidden",
            ScreenError::Records => "invalid_records",
            ScreenError::Store(_) => "internal",
        }
    }
}

/// Online screening: validation, the replica, the store's links, the kept
/// screens.
#[derive(Clone)]
pub struct OnlineScreening {
    store: Store,
    token_key: Arc<matcher::TokenKey>,
    replica: ReplicaHandle,
    policy: Arc<BlacklistPolicy>,
    /// Times each answered screen.
    metrics: Metrics,
}

impl OnlineScreening {
    /// Screening over `store` with the hub's replica.
    pub fn new(
        store: Store,
        token_key: Arc<matcher::TokenKey>,
        replica: ReplicaHandle,
        policy: BlacklistPolicy,
        metrics: Metrics,
    ) -> OnlineScreening {
        OnlineScreening {
            store,
            token_key,
            replica,
            policy: Arc::new(policy),
            metrics,
        }
    }

    /// Screen the records of `request` for `principal`.
    pub async fn screen(
        &self,
        principal: &Principal,
        purpose: Purpose,
        request: &ScreenRequest,
    ) -> Result<Vec<RecordScreening>, ScreenError> {
        if principal.role == Role::Subscriber {
            return Err(ScreenError::Forbidden);
        }
        if request.records.is_empty() || request.records.len() > MAX_RECORDS {
            return Err(ScreenError::Records);
        }
        // Timed from here: a refusal above is not a screen.
        let started = std::time::Instant::now();
        self.replica.catch_up(&self.store).await?;
        let rows = request
            .records
            .iter()
            .enumerate()
            .map(|(i, value)| (i as u64 + 1, Ok(value.clone())));
        let candidates = validate(rows, &self.token_key, clock::today_in_china());
        let mut results = {
            let replica = self.replica.read();
            screen(&replica, &candidates)
        };
        for (result, candidate) in results.iter_mut().zip(&candidates) {
            if let Ok(record) = &candidate.record {
                result.existing = Some(links::existing(&self.store, record).await?);
            }
        }
        self.keep(principal, purpose.as_str(), &candidates, &results)
            .await?;
        self.metrics.screened(started.elapsed());
        Ok(results)
    }

    /// Keep the screens of valid records for the retention period.
    async fn keep(
        &self,
        principal: &Principal,
        purpose: &str,
        candidates: &[Candidate],
        results: &[RecordScreening],
    ) -> Result<(), StoreError> {
        let now = clock::now();
        let expires_at = clock::format(
            OffsetDateTime::now_utc()
                + time::Duration::days(i64::from(self.policy.screening_retention_days)),
        );
        let mut tx = self
            .store
            .begin_tokenised_write(&self.token_key.fingerprint())
            .await?;
        for (candidate, result) in candidates.iter().zip(results) {
            let (Ok(record), Some(decision)) = (&candidate.record, result.decision) else {
                continue;
            };
            let record_json = serde_json::to_string(record)?;
            let hits = serde_json::to_string(&result.hits)?;
            let keys = matcher::record_keys(record);
            tx.insert_screening(&NewScreening {
                at: &now,
                key_id: &principal.key_id,
                acquirer: principal.acquirer.as_deref(),
                purpose,
                merchant_id: &record.merchant_id,
                record: &record_json,
                decision: decision.as_str(),
                hits: &hits,
                expires_at: &expires_at,
                keys: &keys,
            })
            .await?;
        }
        tx.commit().await
    }
}
