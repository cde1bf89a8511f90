//! The shared blacklist (SPEC §7): reports, reviews, removals, expiry.
//!
//! An entry's life, every step recorded in `blacklist_transitions` with who,
//! when and why, and nothing ever deleted:
//!
//! ```text
//! reported ──approve──▶ active ──remove (appeal_upheld | error)──▶ removed
//!     │                   │ └──update (penalty, expiry)──▶ active
//!     └──reject──▶ rejected └──expiry (system)──────────▶ removed
//! ```
//!
//! Acquirers report (their own code is the reporter); analysts review. The
//! reviewer must hold another key than the reporter: one person can never
//! both accuse and convict (four eyes). Every change an active entry goes
//! through is published in the same transaction as a signed feed event
//! (`publish.rs`), so the feed can never disagree with the store. Approval
//! also re-screens every stored merchant and every screen of the retention
//! period against the new entry (`retro.rs`), raising `blacklist_hit` alerts.

mod publish;
mod retro;
mod view;

use std::sync::Arc;

use ed25519_dalek::SigningKey;
use feed::{Action, EntrySnapshot, EntryStatus};
use matcher::{ListedSubject, Penalty, Reason, TokenKey};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::alerts::AlertChange;
use crate::auth::{Principal, Role};
use crate::clock;
use crate::config::BlacklistPolicy;
use crate::ingest::{BatchIssue, RowContext};
use crate::linking::Linker;
use crate::metrics::Metrics;
use crate::screening::ReplicaHandle;
use crate::store::{
    EntryChange, EntryFilter, EntryRow, NewEntry, Store, StoreError, TransitionRow,
};

pub use publish::FeedReader;
pub use view::{EntryView, TransitionView};

/// Most entries in one import.
pub const MAX_IMPORT: usize = 10_000;

/// Why a blacklist request was refused.
#[derive(Debug, thiserror::Error)]
pub enum BlacklistError {
    /// The report is not valid; every problem is listed.
    #[error("the blacklist entry is not valid: {}", .0.first().map(|i| i.message.as_str()).unwrap_or(""))]
    Invalid(Vec<BatchIssue>),
    /// No entry with that id (or not one the caller may see).
    #[error("no blacklist entry {0}")]
    NotFound(i64),
    /// The role may not do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The reviewer reported the entry themselves.
    #[error("an entry must be reviewed by another key than the one that reported it")]
    SelfReview,
    /// The entry is not in a status that allows this.
    #[error("entry {id} is {status}: it cannot be {action}")]
    WrongStatus {
        /// Entry.
        id: i64,
        /// Its status.
        status: String,
        /// What was asked.
        action: &'static str,
    },
    /// The reporter already reported this external reference.
    #[error("this reporter already reported external_ref {0:?}")]
    Duplicate(String),
    /// A note (why) is required.
    #[error("say why: a note is required")]
    NoteRequired,
    /// A removal needs one of the reasons a member may give.
    #[error("removal must be appeal_upheld or error (expiry is the hub's own)")]
    InvalidRemoval,
    /// Too many entries in one import.
    #[error("an import holds at most {MAX_IMPORT} entries")]
    TooMany,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BlacklistError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            BlacklistError::Invalid(_) => "invalid_entry",
            BlacklistError::NotFound(_) => "entry_not_found",
            BlacklistError::Forbidden(_) => "forbidden",
            BlacklistError::SelfReview => "self_review",
            BlacklistError::WrongStatus { .. } => "entry_status",
            BlacklistError::Duplicate(_) => "duplicate_entry",
            BlacklistError::NoteRequired => "note_required",
            BlacklistError::InvalidRemoval => "invalid_removal",
            BlacklistError::TooMany => "too_many_entries",
            BlacklistError::Store(_) => "internal",
        }
    }
}

/// The outcome of one entry of an import.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportResult {
    /// 1-based position in the import.
    pub line: u64,
    /// `reported`, `duplicate` or `invalid`.
    pub outcome: String,
    /// The new entry's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// What was wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<BatchIssue>,
}

/// What approving an entry did.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Approval {
    /// The entry, now active.
    pub entry: EntryView,
    /// Stored merchants the retro screen found.
    pub merchants_hit: usize,
    /// Kept screens the retro screen found.
    pub screenings_hit: usize,
    /// The `blacklist_hit` alert raised, if any.
    pub alert: Option<AlertChange>,
}

/// The blacklist service: the store, the association's signing key, the
/// expiry policy, and the replica online screening reads.
#[derive(Clone)]
pub struct Blacklist {
    store: Store,
    token_key: Arc<TokenKey>,
    signing_key: Arc<SigningKey>,
    policy: Arc<BlacklistPolicy>,
    linker: Linker,
    replica: ReplicaHandle,
    /// Counts the `blacklist_hit` alerts approvals raise.
    metrics: Metrics,
}

/// Reporter name of entries analysts report for the association.
pub const ASSOCIATION: &str = "association";

/// Why an entry may be removed by a person.
const REMOVALS: &[&str] = &["appeal_upheld", "error"];

const SUBSCRIBERS_DO_NOT_REPORT: &str = "subscribers read the feed; they do not report";

fn require_reporter(principal: &Principal) -> Result<(), BlacklistError> {
    if principal.role == Role::Subscriber {
        return Err(BlacklistError::Forbidden(SUBSCRIBERS_DO_NOT_REPORT));
    }
    Ok(())
}

fn require_reviewer(principal: &Principal) -> Result<(), BlacklistError> {
    match principal.role {
        Role::Analyst | Role::Admin => Ok(()),
        _ => Err(BlacklistError::Forbidden(
            "only association analysts review blacklist entries",
        )),
    }
}

fn note(text: &str) -> Result<String, BlacklistError> {
    let text = matcher::normalise::text(text);
    if text.is_empty() {
        return Err(BlacklistError::NoteRequired);
    }
    Ok(text.chars().take(2_000).collect())
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

impl Blacklist {
    /// The service over `store`.
    pub fn new(
        store: Store,
        token_key: Arc<TokenKey>,
        signing_key: Arc<SigningKey>,
        policy: BlacklistPolicy,
        linker: Linker,
        replica: ReplicaHandle,
        metrics: Metrics,
    ) -> Blacklist {
        Blacklist {
            store,
            token_key,
            signing_key,
            policy: Arc::new(policy),
            linker,
            replica,
            metrics,
        }
    }

    /// The feed as stored, for the feed endpoints.
    pub fn feed(&self) -> FeedReader {
        FeedReader::new(self.store.clone(), self.signing_key.verifying_key())
    }

    fn reporter_for(
        &self,
        principal: &Principal,
        named: Option<&str>,
    ) -> Result<String, BlacklistError> {
        match principal.role {
            Role::Acquirer => {
                let own = principal.acquirer.clone().unwrap_or_default();
                match named {
                    Some(named) if named != own => Err(BlacklistError::Forbidden(
                        "an acquirer reports under its own code only",
                    )),
                    _ => Ok(own),
                }
            }
            Role::Analyst | Role::Admin => Ok(named.unwrap_or(ASSOCIATION).to_owned()),
            Role::Subscriber => Err(BlacklistError::Forbidden(SUBSCRIBERS_DO_NOT_REPORT)),
            Role::Metrics => Err(BlacklistError::Forbidden("metrics keys read metrics only")),
        }
    }

    fn validate(
        &self,
        principal: &Principal,
        value: &Value,
        line: u64,
    ) -> Result<(crate::ingest::Listing, String), Vec<BatchIssue>> {
        let context = RowContext {
            token_key: &self.token_key,
            today: clock::today_in_china(),
        };
        let to_issues = |issues: Vec<crate::ingest::Issue>| -> Vec<BatchIssue> {
            issues
                .into_iter()
                .map(|i| BatchIssue::from(&i.at(line, None)))
                .collect()
        };
        let listing = crate::ingest::listing(value, &context).map_err(to_issues)?;
        if let Some(at) = &listing.expires_at
            && parse_time(at).is_some_and(|t| t <= OffsetDateTime::now_utc())
        {
            return Err(to_issues(vec![crate::ingest::Issue::error(
                "expires_at",
                "expires_in_past",
                "expires_at must be in the future",
            )]));
        }
        let reporter = self
            .reporter_for(principal, listing.reporter.as_deref())
            .map_err(|e| {
                to_issues(vec![crate::ingest::Issue::error(
                    "reporter",
                    "reporter_mismatch",
                    e.to_string(),
                )])
            })?;
        Ok((listing, reporter))
    }

    async fn insert(
        &self,
        tx: &mut crate::store::WriteTx,
        principal: &Principal,
        listing: &crate::ingest::Listing,
        reporter: &str,
        now: &str,
    ) -> Result<Option<i64>, BlacklistError> {
        let subject = serde_json::to_string(&listing.subject).map_err(StoreError::from)?;
        let expires_at = listing
            .expires_at
            .as_deref()
            .and_then(parse_time)
            .map(clock::format);
        let new = NewEntry {
            subject_type: listing.subject_type.as_str(),
            reason: listing.reason.as_str(),
            penalty: listing.penalty.as_str(),
            reporter,
            reported_by: &principal.key_id,
            external_ref: listing.external_ref.as_deref(),
            evidence: &listing.evidence,
            subject: &subject,
            display_name: listing.subject.name.as_deref(),
            expires_at: expires_at.as_deref(),
        };
        let Some(id) = tx.insert_entry(&new, now).await? else {
            return Ok(None);
        };
        tx.add_transition(
            id,
            &TransitionRow {
                at: now.to_owned(),
                from_status: None,
                to_status: "reported".into(),
                actor: principal.key_id.clone(),
                note: "reported".into(),
            },
        )
        .await?;
        Ok(Some(id))
    }

    /// Report one entry (`POST /v1/blacklist`).
    pub async fn report(
        &self,
        principal: &Principal,
        value: &Value,
    ) -> Result<EntryView, BlacklistError> {
        require_reporter(principal)?;
        let (listing, reporter) = self
            .validate(principal, value, 1)
            .map_err(BlacklistError::Invalid)?;
        let now = clock::now();
        let mut tx = self
            .store
            .begin_tokenised_write(&self.token_key.fingerprint())
            .await?;
        let Some(id) = self
            .insert(&mut tx, principal, &listing, &reporter, &now)
            .await?
        else {
            tx.rollback().await?;
            return Err(BlacklistError::Duplicate(
                listing.external_ref.unwrap_or_default(),
            ));
        };
        tx.commit().await?;
        self.show(principal, id).await
    }

    /// Report many entries (`POST /v1/blacklist/import`): each is reported,
    /// found a duplicate of an earlier import, or refused with its errors.
    pub async fn import(
        &self,
        principal: &Principal,
        values: &[Value],
    ) -> Result<Vec<ImportResult>, BlacklistError> {
        require_reporter(principal)?;
        if values.len() > MAX_IMPORT {
            return Err(BlacklistError::TooMany);
        }
        let now = clock::now();
        let mut results = Vec::with_capacity(values.len());
        let mut tx = self
            .store
            .begin_tokenised_write(&self.token_key.fingerprint())
            .await?;
        for (i, value) in values.iter().enumerate() {
            let line = i as u64 + 1;
            let result = match self.validate(principal, value, line) {
                Err(errors) => ImportResult {
                    line,
                    outcome: "invalid".into(),
                    id: None,
                    errors,
                },
                Ok((listing, reporter)) => {
                    match self
                        .insert(&mut tx, principal, &listing, &reporter, &now)
                        .await?
                    {
                        Some(id) => ImportResult {
                            line,
                            outcome: "reported".into(),
                            id: Some(id),
                            errors: Vec::new(),
                        },
                        None => ImportResult {
                            line,
                            outcome: "duplicate".into(),
                            id: None,
                            errors: Vec::new(),
                        },
                    }
                }
            };
            results.push(result);
        }
        tx.commit().await?;
        Ok(results)
    }

    async fn locked(
        &self,
        tx: &mut crate::store::WriteTx,
        id: i64,
    ) -> Result<EntryRow, BlacklistError> {
        tx.entry_for_update(id)
            .await?
            .ok_or(BlacklistError::NotFound(id))
    }

    /// Lock a reported entry for review by `principal`, who must not be
    /// its reporter (four eyes).
    async fn for_review(
        &self,
        tx: &mut crate::store::WriteTx,
        id: i64,
        principal: &Principal,
        action: &'static str,
    ) -> Result<EntryRow, BlacklistError> {
        let row = self.locked(tx, id).await?;
        if row.status != "reported" {
            return Err(BlacklistError::WrongStatus {
                id,
                status: row.status,
                action,
            });
        }
        if row.reported_by == principal.key_id {
            return Err(BlacklistError::SelfReview);
        }
        Ok(row)
    }

    /// Approve a reported entry: it becomes active, is published, and every
    /// stored merchant and kept screen is screened against it.
    pub async fn approve(
        &self,
        principal: &Principal,
        id: i64,
        why: &str,
    ) -> Result<Approval, BlacklistError> {
        require_reviewer(principal)?;
        let why = note(why)?;
        let now = clock::now();
        let mut tx = self.store.begin_write().await?;
        let row = self.for_review(&mut tx, id, principal, "approved").await?;
        let reason: Reason = row.reason.parse().map_err(corrupt)?;
        let expires_at = match row.expires_at.clone() {
            Some(asked) => asked,
            None => clock::format(
                OffsetDateTime::now_utc()
                    + time::Duration::days(i64::from(self.policy.expiry_days(reason))),
            ),
        };
        let change = EntryChange {
            status: "active",
            penalty: &row.penalty,
            expires_at: Some(&expires_at),
            listed_at: Some(&now),
            removal: None,
        };
        let snapshot = self
            .transition(&mut tx, &row, &change, &principal.key_id, &why, &now)
            .await?;
        publish::append(&mut tx, &self.signing_key, Action::Add, &snapshot, &now).await?;
        let retro = retro::screen_entry(
            &mut tx,
            &self.linker,
            &snapshot,
            &now,
            &format!("blacklist:{id}"),
        )
        .await?;
        tx.commit().await?;
        self.metrics.alerts_changed(&retro.alert);
        self.replica.catch_up(&self.store).await?;
        Ok(Approval {
            entry: self.show(principal, id).await?,
            merchants_hit: retro.merchants,
            screenings_hit: retro.screenings,
            alert: retro.alert,
        })
    }

    /// Reject a reported entry.
    pub async fn reject(
        &self,
        principal: &Principal,
        id: i64,
        why: &str,
    ) -> Result<EntryView, BlacklistError> {
        require_reviewer(principal)?;
        let why = note(why)?;
        let now = clock::now();
        let mut tx = self.store.begin_write().await?;
        let row = self.for_review(&mut tx, id, principal, "rejected").await?;
        let change = EntryChange {
            status: "rejected",
            penalty: &row.penalty,
            expires_at: row.expires_at.as_deref(),
            listed_at: None,
            removal: None,
        };
        self.transition(&mut tx, &row, &change, &principal.key_id, &why, &now)
            .await?;
        tx.commit().await?;
        self.show(principal, id).await
    }

    /// Remove an active entry (appeal upheld, or listed in error).
    pub async fn remove(
        &self,
        principal: &Principal,
        id: i64,
        removal: &str,
        why: &str,
    ) -> Result<EntryView, BlacklistError> {
        require_reviewer(principal)?;
        if !REMOVALS.contains(&removal) {
            return Err(BlacklistError::InvalidRemoval);
        }
        let why = note(why)?;
        self.delist(id, removal, &principal.key_id, &why).await?;
        self.show(principal, id).await
    }

    /// Change an active entry's penalty or expiry (published as `update`).
    pub async fn update(
        &self,
        principal: &Principal,
        id: i64,
        penalty: Option<Penalty>,
        expires_at: Option<&str>,
        why: &str,
    ) -> Result<EntryView, BlacklistError> {
        require_reviewer(principal)?;
        let why = note(why)?;
        let expires_at = match expires_at {
            None => None,
            Some(text) => match parse_time(text) {
                Some(t) if t > OffsetDateTime::now_utc() => Some(clock::format(t)),
                _ => {
                    return Err(BlacklistError::Invalid(vec![BatchIssue {
                        line: 1,
                        merchant_id: None,
                        field: Some("expires_at".into()),
                        code: "expires_in_past".into(),
                        message: "expires_at must be an RFC 3339 time in the future".into(),
                    }]));
                }
            },
        };
        let now = clock::now();
        let mut tx = self.store.begin_write().await?;
        let row = self.locked(&mut tx, id).await?;
        if row.status != "active" {
            return Err(BlacklistError::WrongStatus {
                id,
                status: row.status,
                action: "updated",
            });
        }
        let penalty = penalty.map_or(row.penalty.clone(), |p| p.as_str().to_owned());
        let change = EntryChange {
            status: "active",
            penalty: &penalty,
            expires_at: expires_at.as_deref().or(row.expires_at.as_deref()),
            listed_at: row.listed_at.as_deref(),
            removal: None,
        };
        let snapshot = self
            .transition(&mut tx, &row, &change, &principal.key_id, &why, &now)
            .await?;
        publish::append(&mut tx, &self.signing_key, Action::Update, &snapshot, &now).await?;
        tx.commit().await?;
        self.replica.catch_up(&self.store).await?;
        self.show(principal, id).await
    }

    /// Publish every active entry again as it now stands, as an `update`
    /// event with a transition saying `why`: after a token-key rotation
    /// rewrapped their subjects in `tx`, this is how mirrors (and this hub's
    /// replica, at its next start) get the new tokens, through the signed
    /// chain they already verify. Returns how many were published.
    pub(crate) async fn republish_active(
        &self,
        tx: &mut crate::store::WriteTx,
        actor: &str,
        why: &str,
    ) -> Result<usize, BlacklistError> {
        let now = clock::now();
        let ids = tx.active_entry_ids().await?;
        for &id in &ids {
            let row = self.locked(tx, id).await?;
            let change = EntryChange {
                status: "active",
                penalty: &row.penalty,
                expires_at: row.expires_at.as_deref(),
                listed_at: row.listed_at.as_deref(),
                removal: None,
            };
            let snapshot = self.transition(tx, &row, &change, actor, why, &now).await?;
            publish::append(tx, &self.signing_key, Action::Update, &snapshot, &now).await?;
        }
        Ok(ids.len())
    }

    async fn delist(
        &self,
        id: i64,
        removal: &str,
        actor: &str,
        why: &str,
    ) -> Result<(), BlacklistError> {
        let now = clock::now();
        let mut tx = self.store.begin_write().await?;
        let row = self.locked(&mut tx, id).await?;
        if row.status != "active" {
            return Err(BlacklistError::WrongStatus {
                id,
                status: row.status,
                action: "removed",
            });
        }
        let change = EntryChange {
            status: "removed",
            penalty: &row.penalty,
            expires_at: row.expires_at.as_deref(),
            listed_at: row.listed_at.as_deref(),
            removal: Some(removal),
        };
        let snapshot = self
            .transition(&mut tx, &row, &change, actor, why, &now)
            .await?;
        publish::append(&mut tx, &self.signing_key, Action::Remove, &snapshot, &now).await?;
        tx.commit().await?;
        self.replica.catch_up(&self.store).await?;
        Ok(())
    }

    /// Remove every active entry whose expiry has passed; how many. Runs
    /// at start-up and then every `sweep_interval_secs`, together with
    /// forgetting screens past their retention.
    pub async fn sweep(&self) -> Result<usize, BlacklistError> {
        let now = clock::now();
        let due = self.store.entries_due_to_expire(&now).await?;
        let mut removed = 0;
        for id in due {
            match self
                .delist(id, "expired", "system", "expiry date reached")
                .await
            {
                Ok(()) => removed += 1,
                // Removed by someone else meanwhile.
                Err(BlacklistError::WrongStatus { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        let forgotten = self.store.purge_screenings(&now).await?;
        if removed > 0 || forgotten > 0 {
            tracing::info!(
                expired = removed,
                screenings_forgotten = forgotten,
                "blacklist sweep"
            );
        }
        Ok(removed)
    }

    /// Write the change and its transition by `actor` (a key id, or
    /// `system`); the entry as the feed shows it.
    async fn transition(
        &self,
        tx: &mut crate::store::WriteTx,
        row: &EntryRow,
        change: &EntryChange<'_>,
        actor: &str,
        why: &str,
        now: &str,
    ) -> Result<EntrySnapshot, BlacklistError> {
        tx.update_entry(row.id, change, now).await?;
        tx.add_transition(
            row.id,
            &TransitionRow {
                at: now.to_owned(),
                from_status: Some(row.status.clone()),
                to_status: change.status.to_owned(),
                actor: actor.to_owned(),
                note: why.to_owned(),
            },
        )
        .await?;
        Ok(EntrySnapshot {
            id: row.id,
            subject_type: row.subject_type.parse().map_err(corrupt)?,
            reason: row.reason.parse().map_err(corrupt)?,
            penalty: change.penalty.parse().map_err(corrupt)?,
            status: if change.status == "active" {
                EntryStatus::Active
            } else {
                EntryStatus::Removed
            },
            reporter: row.reporter.clone(),
            subject: serde_json::from_str::<ListedSubject>(&row.subject)
                .map_err(StoreError::from)?,
            listed_at: change.listed_at.unwrap_or(now).to_owned(),
            expires_at: change.expires_at.unwrap_or(now).to_owned(),
            removal: change.removal.map(str::to_owned),
        })
    }

    /// One entry as `principal` may see it.
    pub async fn show(&self, principal: &Principal, id: i64) -> Result<EntryView, BlacklistError> {
        let row = self
            .store
            .get_entry(id)
            .await?
            .ok_or(BlacklistError::NotFound(id))?;
        if !view::may_see(principal, &row) {
            return Err(BlacklistError::NotFound(id));
        }
        let transitions = self.store.entry_transitions(id).await?;
        Ok(EntryView::of(principal, row, Some(transitions))?)
    }

    /// An entry's transitions, oldest first.
    pub async fn history(
        &self,
        principal: &Principal,
        id: i64,
    ) -> Result<Vec<TransitionView>, BlacklistError> {
        Ok(self
            .show(principal, id)
            .await?
            .transitions
            .unwrap_or_default())
    }

    /// Entries `principal` may see, newest first.
    pub async fn list(
        &self,
        principal: &Principal,
        mut filter: EntryFilter,
    ) -> Result<Vec<EntryView>, BlacklistError> {
        match principal.role {
            Role::Subscriber => {
                return Err(BlacklistError::Forbidden(
                    "subscribers read the blacklist through the feed",
                ));
            }
            Role::Metrics => {
                return Err(BlacklistError::Forbidden("metrics keys read metrics only"));
            }
            Role::Acquirer => filter.visible_to = principal.acquirer.clone(),
            Role::Analyst | Role::Admin => filter.visible_to = None,
        }
        let rows = self.store.list_entries(&filter).await?;
        rows.into_iter()
            .map(|row| Ok(EntryView::of(principal, row, None)?))
            .collect()
    }
}

/// A stored word outside the vocabulary: the store was written by something
/// else than this hub.
fn corrupt(error: matcher::UnknownValue) -> BlacklistError {
    BlacklistError::Store(StoreError::Vocabulary(error.to_string()))
}
