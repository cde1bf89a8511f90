//! Alerts (SPEC §5): findings about merchants across acquirers, raised as
//! batches arrive, grown rather than duplicated, confirmed or dismissed by
//! analysts.
//!
//! [`detect`] runs inside a batch's write transaction, so a batch and the
//! alerts it raises commit together. It covers the cases tied by an
//! identifier, which simple rules find with certainty:
//!
//! | type | rule |
//! |---|---|
//! | `one_person_many_merchants` / `exact` | one legal-rep document behind ≥ [`MIN_MERCHANTS`] merchants or merchants at ≥ 2 acquirers |
//! | `one_person_many_merchants` / `linked` | different legal-rep documents tied by a shared legal-rep phone or personal card that is *rare* (≤ [`MAX_GLUE_PEOPLE`] people), with the same size rule |
//! | `one_terminal_many_merchants` | one terminal SN (folded: case, separators, O/0, I/1) on ≥ 2 merchant numbers |
//! | `shared_phone` | one phone on ≥ 2 different legal representatives |
//! | `shared_settlement_account` | one account settling for ≥ 2 different legal representatives |
//!
//! A phone or account used by more than [`MAX_GLUE_PEOPLE`] people is a hub
//! (a sales agent's phone, an outsourcer's account, 二清): it is reported as
//! its own `shared_*` finding, marked `hub`, and never glues people into one.

mod batch;
mod blacklist_hit;
mod detect;
mod rebuild;
mod review;
mod verification;
mod view;
mod writer;

use std::collections::BTreeMap;

use matcher::MerchantRecord;
use serde::{Deserialize, Serialize};

pub use batch::{BatchMatcher, SLICE, Sessions};
pub use blacklist_hit::{ScreenHit, blacklist_hit};
pub use detect::detect;
pub use rebuild::{RebuildReport, rebuild};
pub use review::{Decision, ReviewError, decide};
pub use verification::{TerminalRelocation, terminal_relocated};
pub use view::{AlertView, EventView, MemberView, mask_name, redact_for};

/// SPEC §5's default N: one person behind this many merchants is a finding
/// even at one acquirer.
pub const MIN_MERCHANTS: usize = 3;

/// A phone or account shared by at most this many legal representatives can
/// tie them into one controlling person; more makes it a hub. Nominee rings
/// seen in practice use a handful of IDs; an agent's phone or an outsourcer's
/// account reaches dozens or thousands.
pub const MAX_GLUE_PEOPLE: usize = 5;

/// A linked cluster stops growing at this many legal representatives: past
/// it, something is a hub the glue rule did not catch, and an analyst should
/// look rather than the hub chase the whole store.
pub const MAX_CLUSTER_PEOPLE: usize = 50;

/// What a batch did to an alert, as listed in the batch result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertChange {
    /// Alert id.
    pub id: i64,
    /// Case type.
    #[serde(rename = "type")]
    pub alert_type: String,
    /// Subtype (`exact`, `linked`) where the type has one.
    pub subtype: Option<String>,
    /// `raised`, `grown` (new members), `updated` (same members, new ties)
    /// or `reopened` (a dismissed alert with new evidence).
    pub change: String,
    /// Members after the change.
    pub member_count: i64,
}

/// The identifiers a batch touched, with their masked forms for evidence.
#[derive(Debug, Default)]
pub struct Affected {
    legal_reps: BTreeMap<String, String>,
    phones: BTreeMap<String, String>,
    accounts: BTreeMap<String, String>,
    terminal_sns: std::collections::BTreeSet<String>,
    /// Each touched merchant's own values that may tie its legal
    /// representative to another person (the `linked` case).
    ties: Vec<Ties>,
    /// Content hashes of the touched merchants' photos.
    photos: std::collections::BTreeSet<String>,
    /// The location findings of each touched merchant that does not check
    /// out.
    locations: Vec<(i64, Vec<matcher::LocationFinding>)>,
}

/// What may tie a merchant's legal representative to another person: the
/// merchant (for its fuzzy links), the legal representative's own phone and
/// a personal card. A contact phone or a corporate account never does.
#[derive(Debug, Clone)]
struct Ties {
    pk: i64,
    legal_rep: String,
    phone: Option<String>,
    card: Option<String>,
}

impl Ties {
    fn of(member: &crate::store::MemberRow) -> Ties {
        Ties {
            pk: member.pk,
            legal_rep: member.legal_rep_id_token.clone(),
            phone: member.legal_rep_phone_token.clone(),
            card: (member.account_kind == "card").then(|| member.account_token.clone()),
        }
    }
}

impl Affected {
    /// Note every identifier of a stored record with store key `pk`, and
    /// the findings of its location checks under `policy`.
    pub fn add(&mut self, pk: i64, record: &MerchantRecord, policy: &matcher::LocationPolicy) {
        self.add_checks(pk, record, policy);
        let rep = &record.legal_rep;
        self.ties.push(Ties {
            pk,
            legal_rep: rep.id.token.to_string(),
            phone: rep.phone.as_ref().map(|p| p.token.to_string()),
            card: (record.settlement_account.kind == matcher::AccountKind::Card)
                .then(|| record.settlement_account.number.token.to_string()),
        });
        self.legal_reps
            .insert(rep.id.token.to_string(), rep.id.masked.clone());
        for phone in [&rep.phone, &record.contact_phone].into_iter().flatten() {
            self.phones
                .insert(phone.token.to_string(), phone.masked.clone());
        }
        let account = &record.settlement_account.number;
        self.accounts
            .insert(account.token.to_string(), account.masked.clone());
        for terminal in &record.terminals {
            if let Some(sn) = terminal
                .sn
                .as_deref()
                .and_then(|sn| matcher::TerminalSn::parse(sn).ok())
            {
                self.terminal_sns.insert(sn.match_key());
            }
        }
    }

    /// Note what detection needs of a record besides its identifiers: the
    /// findings of its location checks under `policy` (when it does not
    /// check out) and its photos.
    fn add_checks(&mut self, pk: i64, record: &MerchantRecord, policy: &matcher::LocationPolicy) {
        let findings = matcher::check_location(record, policy);
        if !findings.is_empty() {
            self.locations.push((pk, findings));
        }
        self.photos
            .extend(record.photos.iter().map(|p| p.sha256.clone()));
    }

    /// Whether nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.legal_reps.is_empty()
    }
}
