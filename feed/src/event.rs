//! The feed's wire types. `GET /v1/feed/events` sends one [`SignedEvent`]
//! per line (NDJSON); `GET /v1/feed/head` a [`FeedHead`]; `GET /v1/feed/key`
//! a [`FeedKey`].

use matcher::{ListedEntry, ListedSubject, Penalty, Reason, SubjectType};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What happened to the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Approved by an analyst: the entry is now active.
    Add,
    /// An active entry changed (penalty, expiry); it stays active.
    Update,
    /// Removed: appeal upheld, listed in error, or expired.
    Remove,
}

impl Action {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Update => "update",
            Action::Remove => "remove",
        }
    }
}

/// An entry's status as the feed shows it: only approved entries are ever
/// published, so `reported` and `rejected` never appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryStatus {
    /// Screen against it.
    Active,
    /// No longer listed.
    Removed,
}

/// A blacklist entry as published: what screening needs and what a member's
/// risk team reads, with protected values as token and mask only. The
/// evidence text stays in the hub (analysts and the reporter read it there).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntrySnapshot {
    /// The hub's entry id.
    pub id: i64,
    /// What it lists.
    pub subject_type: SubjectType,
    /// Why.
    pub reason: Reason,
    /// What it costs.
    pub penalty: Penalty,
    /// Active or removed.
    pub status: EntryStatus,
    /// The acquirer code that reported it, or `association`.
    pub reporter: String,
    /// The identifiers.
    pub subject: ListedSubject,
    /// When it became active (RFC 3339 UTC).
    pub listed_at: String,
    /// When it lapses unless renewed (RFC 3339 UTC).
    pub expires_at: String,
    /// Why it was removed: `appeal_upheld`, `error` or `expired`.
    pub removal: Option<String>,
}

impl EntrySnapshot {
    /// The entry as the screener takes it.
    pub fn listed(&self) -> ListedEntry {
        ListedEntry {
            id: self.id,
            subject_type: self.subject_type,
            reason: self.reason,
            penalty: self.penalty,
            subject: self.subject.clone(),
        }
    }
}

/// What one event says: hashed in canonical form, then signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    /// The event's position, 1-based and gapless (repeated inside the
    /// hashed payload so it is covered by the signature).
    pub seq: u64,
    /// Add, update or remove.
    pub action: Action,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The entry after the change.
    pub entry: EntrySnapshot,
}

/// One line of `GET /v1/feed/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedEvent {
    /// Position, 1-based, gapless.
    pub seq: u64,
    /// The previous event's hash (64 zero digits for the first), hex.
    pub prev_hash: String,
    /// SHA-256(prev_hash bytes ‖ canonical payload), hex.
    pub hash: String,
    /// Ed25519 over `"mhub-feed-v1" ‖ hash bytes`, hex (128 digits).
    pub signature: String,
    /// The [`Payload`], as a JSON object.
    pub payload: Value,
}

/// `GET /v1/feed/head`: where the feed stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedHead {
    /// The last event's seq; 0 for an empty feed.
    pub seq: u64,
    /// The last event's hash, hex (64 zero digits for an empty feed).
    pub hash: String,
}

/// `GET /v1/feed/key`: the association's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedKey {
    /// Always `ed25519`.
    pub algorithm: String,
    /// The 32-byte public key, hex.
    pub public_key: String,
    /// First 16 hex digits of SHA-256(public key): a short name to compare
    /// out of band.
    pub key_id: String,
}
