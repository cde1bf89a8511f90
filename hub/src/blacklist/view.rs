//! Blacklist entries as callers see them.
//!
//! Every member may see active and removed entries (they are in the feed
//! anyway), with identifiers as token and masked form only. A report under
//! review or rejected is seen by its reporter and by analysts only; so is
//! the evidence text, which may describe an investigation.

use matcher::ListedSubject;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::store::{EntryRow, StoreError, TransitionRow};

/// `GET /v1/blacklist/{id}` and the lines of `GET /v1/blacklist`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EntryView {
    /// Entry id.
    pub id: i64,
    /// What it lists.
    pub subject_type: String,
    /// Why.
    pub reason: String,
    /// What it costs.
    pub penalty: String,
    /// `reported`, `active`, `rejected` or `removed`.
    pub status: String,
    /// Acquirer code, or `association`.
    pub reporter: String,
    /// The reporter's own reference (reporter and analysts only).
    pub external_ref: Option<String>,
    /// Identifiers: names and addresses, tokens and masked forms.
    pub subject: ListedSubject,
    /// Evidence text (reporter and analysts only).
    pub evidence: Option<String>,
    /// When it lapses.
    pub expires_at: Option<String>,
    /// When it became active.
    pub listed_at: Option<String>,
    /// `appeal_upheld`, `error` or `expired`.
    pub removal: Option<String>,
    /// Reported at.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// Every transition, oldest first (single-entry view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transitions: Option<Vec<TransitionView>>,
}

/// One step of an entry's life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TransitionView {
    /// When.
    pub at: String,
    /// From (absent for the report).
    pub from: Option<String>,
    /// To.
    pub to: String,
    /// Key id, or `system` (expiry).
    pub actor: String,
    /// Why.
    pub note: String,
}

/// Whether `principal` may see the entry at all.
pub(super) fn may_see(principal: &Principal, row: &EntryRow) -> bool {
    principal.sees_everything()
        || matches!(row.status.as_str(), "active" | "removed")
        || is_reporter(principal, row)
}

fn is_reporter(principal: &Principal, row: &EntryRow) -> bool {
    principal.acquirer.as_deref() == Some(row.reporter.as_str())
}

impl EntryView {
    /// The view of `row` for `principal` (who may see it).
    pub(super) fn of(
        principal: &Principal,
        row: EntryRow,
        transitions: Option<Vec<TransitionRow>>,
    ) -> Result<EntryView, StoreError> {
        let privileged = principal.sees_everything() || is_reporter(principal, &row);
        Ok(EntryView {
            id: row.id,
            subject: serde_json::from_str(&row.subject)?,
            evidence: privileged.then(|| row.evidence.clone()),
            external_ref: if privileged {
                row.external_ref.clone()
            } else {
                None
            },
            subject_type: row.subject_type,
            reason: row.reason,
            penalty: row.penalty,
            status: row.status,
            reporter: row.reporter,
            expires_at: row.expires_at,
            listed_at: row.listed_at,
            removal: row.removal,
            created_at: row.created_at,
            updated_at: row.updated_at,
            transitions: transitions.map(|list| {
                list.into_iter()
                    .map(|t| TransitionView {
                        at: t.at,
                        from: t.from_status,
                        to: t.to_status,
                        // Other members learn that analysts acted, not which key.
                        actor: if principal.sees_everything() || t.actor == "system" {
                            t.actor
                        } else {
                            "association".into()
                        },
                        note: if privileged { t.note } else { String::new() },
                    })
                    .collect()
            }),
        })
    }
}
