//! The audit log (SPEC §9): every read of merchant data, alert view, search,
//! screen, blacklist change and key change, with who, what, when, from which
//! address and why.
//!
//! *Why* is a purpose code the caller declares in the `Mhub-Purpose` header
//! (or, for screens, the body's `purpose`): `onboarding`, `periodic_review`
//! or `investigation`. Reads of merchant and person data refuse a request
//! without one ([`Action::needs_purpose`]), and the refusal is itself logged.
//!
//! An answer is sent only after its event is stored: if the audit log cannot
//! be written, the request fails (`audit_unavailable`) rather than hand out
//! data nobody would know was read.
//!
//! Events form a chain like the blacklist feed (see `chain.rs`): gapless seq,
//! `hash = SHA-256(prev_hash ‖ canonical event)`, and an Ed25519 signature by
//! the hub's signing key. Editing, deleting or inserting a row breaks the
//! chain; rewriting the whole tail consistently needs the signing key, which
//! lives in the data directory's secrets, not in the database. `GET
//! /v1/audit/verify` and `mhub audit verify` walk the chain.

mod chain;

use std::net::IpAddr;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::auth::{Principal, Role};
use crate::clock;
use crate::store::{AuditFilter, AuditRow, Store, StoreError};

pub use chain::{ChainBreak, ChainReport};

/// Why a caller reads merchant data (SPEC §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Deciding whether to sign a prospective merchant.
    Onboarding,
    /// The periodic re-check of signed merchants.
    PeriodicReview,
    /// A risk investigation.
    Investigation,
}

impl Purpose {
    /// Every purpose, in documentation order.
    pub const ALL: [Purpose; 3] = [
        Purpose::Onboarding,
        Purpose::PeriodicReview,
        Purpose::Investigation,
    ];

    /// The wire and stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Onboarding => "onboarding",
            Purpose::PeriodicReview => "periodic_review",
            Purpose::Investigation => "investigation",
        }
    }
}

impl std::str::FromStr for Purpose {
    type Err = AuditError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Purpose::ALL
            .into_iter()
            .find(|purpose| purpose.as_str() == text)
            .ok_or(AuditError::InvalidPurpose)
    }
}

/// What an audited request does. The wire names are stable: auditors filter
/// on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// `GET /v1/merchants/{a}/{m}`.
    MerchantRead,
    /// `GET /v1/merchants/{a}/{m}/versions`.
    MerchantVersions,
    /// `GET /v1/people/{a}/{m}`.
    PersonRead,
    /// `GET /v1/search`.
    Search,
    /// `GET /v1/alerts`.
    AlertList,
    /// `GET /v1/alerts/{id}`.
    AlertRead,
    /// `POST /v1/alerts/{id}/confirm|dismiss`.
    AlertDecide,
    /// `GET /v1/photos/{sha}`.
    PhotoRead,
    /// `POST /v1/screen`.
    Screen,
    /// `POST /v1/batches`.
    BatchUpload,
    /// `GET /v1/batches`.
    BatchList,
    /// `GET /v1/batches/{id}`.
    BatchRead,
    /// `GET /v1/batches/{id}/issues`.
    BatchIssues,
    /// `POST /v1/terminals/locations`.
    TerminalReport,
    /// `POST /v1/blacklist`.
    BlacklistReport,
    /// `POST /v1/blacklist/import`.
    BlacklistImport,
    /// `GET /v1/blacklist`.
    BlacklistList,
    /// `GET /v1/blacklist/{id}`.
    BlacklistRead,
    /// `GET /v1/blacklist/{id}/history`.
    BlacklistHistory,
    /// `POST /v1/blacklist/{id}/approve`.
    BlacklistApprove,
    /// `POST /v1/blacklist/{id}/reject`.
    BlacklistReject,
    /// `POST /v1/blacklist/{id}/remove`.
    BlacklistRemove,
    /// `POST /v1/blacklist/{id}/update`.
    BlacklistUpdate,
    /// `POST /v1/keys`.
    KeyCreate,
    /// `GET /v1/keys`.
    KeyList,
    /// `POST /v1/keys/{id}/revoke`.
    KeyRevoke,
    /// `POST /v1/keys/{id}/rotate`.
    KeyRotate,
    /// `GET /v1/feed/token-key`: the network token key handed out.
    TokenKeyRead,
    /// `mhub keys rotate-token-key`: every stored token rewrapped under a
    /// new generation of the token key.
    TokenKeyRotate,
    /// `GET /v1/audit`.
    AuditList,
    /// `GET /v1/audit/verify`.
    AuditVerify,
}

impl Action {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::MerchantRead => "merchant.read",
            Action::MerchantVersions => "merchant.versions",
            Action::PersonRead => "person.read",
            Action::Search => "search",
            Action::AlertList => "alert.list",
            Action::AlertRead => "alert.read",
            Action::AlertDecide => "alert.decide",
            Action::PhotoRead => "photo.read",
            Action::Screen => "screen",
            Action::BatchUpload => "batch.upload",
            Action::BatchList => "batch.list",
            Action::BatchRead => "batch.read",
            Action::BatchIssues => "batch.issues",
            Action::TerminalReport => "terminal.report",
            Action::BlacklistReport => "blacklist.report",
            Action::BlacklistImport => "blacklist.import",
            Action::BlacklistList => "blacklist.list",
            Action::BlacklistRead => "blacklist.read",
            Action::BlacklistHistory => "blacklist.history",
            Action::BlacklistApprove => "blacklist.approve",
            Action::BlacklistReject => "blacklist.reject",
            Action::BlacklistRemove => "blacklist.remove",
            Action::BlacklistUpdate => "blacklist.update",
            Action::KeyCreate => "key.create",
            Action::KeyList => "key.list",
            Action::KeyRevoke => "key.revoke",
            Action::KeyRotate => "key.rotate",
            Action::TokenKeyRead => "feed.token_key",
            Action::TokenKeyRotate => "token_key.rotate",
            Action::AuditList => "audit.list",
            Action::AuditVerify => "audit.verify",
        }
    }

    /// Reads of merchant, person and blacklist data must say why. An
    /// acquirer's own uploads and their results, decisions (which carry a
    /// note) and key management need no purpose, but are logged all the same.
    pub fn needs_purpose(self) -> bool {
        matches!(
            self,
            Action::MerchantRead
                | Action::MerchantVersions
                | Action::PersonRead
                | Action::Search
                | Action::AlertList
                | Action::AlertRead
                | Action::PhotoRead
                | Action::Screen
                | Action::BlacklistList
                | Action::BlacklistRead
                | Action::BlacklistHistory
        )
    }
}

/// Who is asking, from where, and why: what every audited handler records.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The authenticated key.
    pub principal: Principal,
    /// The peer's address.
    pub remote: Option<IpAddr>,
    /// The declared purpose (`Mhub-Purpose`).
    pub purpose: Option<Purpose>,
}

/// One thing to record: the action, its target and further facts. Targets
/// and details name ids, codes and tokens, never a sensitive value in clear.
#[derive(Debug, Clone)]
pub struct Event {
    /// What is done.
    pub action: Action,
    /// What it is done to (`merchant:ACQ01/M1`, `alert:7`, `key:abc…`).
    pub target: String,
    /// Further facts: integers and strings only (canonical JSON).
    pub detail: Map<String, Value>,
}

impl Event {
    /// An event with no details.
    pub fn new(action: Action, target: impl Into<String>) -> Event {
        Event {
            action,
            target: target.into(),
            detail: Map::new(),
        }
    }

    /// Add a detail.
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Event {
        self.detail.insert(name.to_owned(), value.into());
        self
    }
}

/// How the request ended: the status answered and, for a refusal, its code.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// HTTP status.
    pub status: u16,
    /// Error code of a refusal.
    pub code: Option<&'static str>,
}

/// Why the audit log refused or failed.
#[derive(Debug, Error)]
pub enum AuditError {
    /// The purpose header names no known purpose.
    #[error("purpose must be one of onboarding, periodic_review, investigation")]
    InvalidPurpose,
    /// A read that needs a purpose came without one.
    #[error(
        "this request reads merchant data: declare why with the Mhub-Purpose header \
         (onboarding, periodic_review or investigation)"
    )]
    PurposeRequired,
    /// Subscribers have no audit trail to read.
    #[error("subscribers do not read the audit log")]
    Forbidden,
    /// A query parameter is out of range.
    #[error("{0}")]
    BadQuery(String),
    /// The event could not be sealed (a detail that is not canonical JSON).
    #[error("audit event not canonical: {0}")]
    NotCanonical(String),
    /// The store failed: the request must not go unrecorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `GET /v1/audit` query.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only this key's events.
    pub key_id: Option<String>,
    /// Only events by this acquirer's keys (analysts and admins).
    pub acquirer: Option<String>,
    /// Only this action (`search`, `merchant.read`, …).
    pub action: Option<String>,
    /// At or after (RFC 3339 UTC text, as stored).
    pub since: Option<String>,
    /// Before.
    pub until: Option<String>,
    /// Events with a seq below this (the next page's cursor).
    pub before: Option<i64>,
    /// Page size, 1–1000 (default 100).
    pub limit: Option<i64>,
}

/// An audit event as answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditView {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: String,
    /// The acting key.
    pub key_id: String,
    /// Its role.
    pub role: String,
    /// Its acquirer.
    pub acquirer: Option<String>,
    /// The peer's IP address.
    pub remote: Option<String>,
    /// The declared purpose.
    pub purpose: Option<String>,
    /// What was done.
    pub action: String,
    /// To what.
    pub target: String,
    /// The status answered.
    pub status: i64,
    /// The refusal's code.
    pub code: Option<String>,
    /// Further facts.
    pub detail: Value,
    /// The chain hash.
    pub hash: String,
}

impl From<AuditRow> for AuditView {
    fn from(row: AuditRow) -> Self {
        AuditView {
            seq: row.seq,
            at: row.at,
            key_id: row.key_id,
            role: row.role,
            acquirer: row.acquirer,
            remote: row.remote,
            purpose: row.purpose,
            action: row.action,
            target: row.target,
            status: row.status,
            code: row.code,
            detail: serde_json::from_str(&row.detail).unwrap_or(Value::Null),
            hash: row.hash,
        }
    }
}

/// The audit log over its store (on SQLite a file of its own).
#[derive(Clone)]
pub struct AuditLog {
    store: Store,
    signing_key: Arc<SigningKey>,
}

impl AuditLog {
    /// The log in `store`, sealed with the hub's `signing_key`.
    pub fn new(store: Store, signing_key: Arc<SigningKey>) -> AuditLog {
        AuditLog { store, signing_key }
    }

    /// Close the log's connections (on SQLite its own file's).
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Append one event. The head's lock serialises appends, so seq stays
    /// gapless across tasks and hub processes.
    pub async fn record(
        &self,
        context: &RequestContext,
        event: &Event,
        outcome: Outcome,
    ) -> Result<AuditRow, AuditError> {
        let mut tx = self.store.begin_write().await?;
        let (seq, prev_hash) = tx.audit_head_for_update().await?;
        let unsealed = AuditRow {
            seq: seq + 1,
            at: clock::now(),
            key_id: context.principal.key_id.clone(),
            role: context.principal.role.as_str().to_owned(),
            acquirer: context.principal.acquirer.clone(),
            remote: context.remote.map(|ip| ip.to_string()),
            purpose: context.purpose.map(|p| p.as_str().to_owned()),
            action: event.action.as_str().to_owned(),
            target: event.target.clone(),
            status: i64::from(outcome.status),
            code: outcome.code.map(str::to_owned),
            detail: String::new(),
            prev_hash,
            hash: String::new(),
            signature: String::new(),
        };
        let row = chain::seal(unsealed, &event.detail, &self.signing_key)
            .map_err(AuditError::NotCanonical)?;
        tx.append_audit_event(&row).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Events `principal` may read, newest first: analysts and admins read
    /// all; an acquirer reads its own keys' events only.
    pub async fn list(
        &self,
        principal: &Principal,
        query: &AuditQuery,
    ) -> Result<Vec<AuditView>, AuditError> {
        let limit = query.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(AuditError::BadQuery("limit must be 1-1000".into()));
        }
        // Each bound in the stored form, or the reason it is refused.
        let bound = |name: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|text| {
                    clock::parse(text).ok_or_else(|| {
                        AuditError::BadQuery(format!(
                            "{name} must be an RFC 3339 time such as 2026-12-01T00:00:00Z"
                        ))
                    })
                })
                .transpose()
        };
        let since = bound("since", &query.since)?;
        let until = bound("until", &query.until)?;
        let acquirer = match principal.role {
            Role::Analyst | Role::Admin => query.acquirer.clone(),
            Role::Acquirer => {
                let own = principal.acquirer.clone();
                if query.acquirer.is_some() && query.acquirer != own {
                    return Err(AuditError::Forbidden);
                }
                own
            }
            Role::Subscriber | Role::Metrics => return Err(AuditError::Forbidden),
        };
        let filter = AuditFilter {
            key_id: query.key_id.clone(),
            acquirer,
            action: query.action.clone(),
            since,
            until,
            before: query.before,
            limit,
        };
        let rows = self.store.list_audit(&filter).await?;
        Ok(rows.into_iter().map(AuditView::from).collect())
    }

    /// Walk the whole chain (analysts and admins).
    pub async fn verify(&self, principal: &Principal) -> Result<ChainReport, AuditError> {
        if !principal.sees_everything() {
            return Err(AuditError::Forbidden);
        }
        Ok(chain::verify(&self.store, &self.signing_key.verifying_key()).await?)
    }
}

/// Mask every run of six or more digits in free text to its last four, so a
/// phone or ID number typed into a search box never reaches the log whole.
pub fn redact_digits(text: &str) -> String {
    let text = matcher::normalise::text(text);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits = run.chars().count();
        if digits >= 6 {
            out.extend(std::iter::repeat_n('*', digits - 4));
            out.extend(run.chars().skip(digits - 4));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || (!run.is_empty() && matches!(c, 'x' | 'X')) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_parse_by_their_wire_names_only() {
        for purpose in Purpose::ALL {
            assert_eq!(purpose.as_str().parse::<Purpose>().unwrap(), purpose);
        }
        assert!("curiosity".parse::<Purpose>().is_err());
        assert!("Onboarding".parse::<Purpose>().is_err());
    }

    #[test]
    fn long_digit_runs_are_masked_to_their_last_four() {
        assert_eq!(redact_digits("老王 13812345678"), "老王 *******5678");
        assert_eq!(redact_digits("11010519491231002x"), "**************002x");
        // Full-width digits are unified first, so they are masked too.
        assert_eq!(redact_digits("１３８１２３４５６７８"), "*******5678");
        assert_eq!(redact_digits("建国路88号 12345"), "建国路88号 12345");
    }
}
