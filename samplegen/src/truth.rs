//! The planted truth (`truth.json`) and the blacklist entries (`blacklist.jsonl`).

use serde::{Deserialize, Serialize};

/// A merchant, as alerts name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Member {
    /// Acquirer code, `ACQ01`.
    pub acquirer: String,
    /// The acquirer's merchant number.
    pub merchant_id: String,
}

/// A case the hub should raise (SPEC §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// Alert type, e.g. `one_person_many_merchants`.
    #[serde(rename = "type")]
    pub case_type: String,
    /// `exact` or `linked` for `one_person_many_merchants`, else `None`.
    pub subtype: Option<String>,
    /// The merchants the alert should hold.
    pub members: Vec<Member>,
    /// How the case was planted, for people reading the file.
    pub note: String,
    /// For `blacklist_hit`: the 1-based line of `blacklist.jsonl` the members hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blacklist_entry: Option<usize>,
}

/// Merchants that look related but must never be called one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardNegative {
    /// `common_name`, `chain_brand`, `mall`, `agent_phone`, `outsourcer_account`,
    /// `family_phone`, `owner_change`, `consecutive_serials`, `similar_chain_photos`.
    pub kind: String,
    /// The merchants concerned.
    pub members: Vec<Member>,
    /// What ties them, for people reading the file.
    pub note: String,
}

/// A row the hub must reject, and the error it must give.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InvalidRow {
    /// Acquirer code.
    pub acquirer: String,
    /// 1-based line in `merchants.jsonl`, or in `merchants.csv` counting the
    /// header as line 1.
    pub line: usize,
    /// The row's merchant number (also for a broken JSON line, where the hub
    /// may not be able to read it).
    pub merchant_id: String,
    /// Dotted path of the defective field (`legal_rep.id_number`,
    /// `terminals[0].sn`, `photos[0].file`); `None` for a broken JSON line.
    pub field: Option<String>,
    /// The error code.
    pub code: String,
}

/// The options a truth file was generated with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generated {
    /// Seed.
    pub seed: u64,
    /// Merchants requested (and written).
    pub merchants: usize,
    /// Acquirers.
    pub acquirers: usize,
    /// Whether photos were drawn.
    pub photos: bool,
    /// Invalid rows requested.
    pub invalid_rows: usize,
}

/// `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// How the data was generated.
    pub generated: Generated,
    /// Planted cases.
    pub cases: Vec<Case>,
    /// Hard-negative groups.
    pub hard_negatives: Vec<HardNegative>,
    /// Invalid rows, by acquirer and line.
    pub invalid_rows: Vec<InvalidRow>,
}

/// One blacklist entry to report (SPEC §7); only the identifiers that apply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlacklistEntry {
    /// `merchant`, `person`, `terminal`, `settlement_account` or `outsourcer`.
    pub subject_type: String,
    /// SPEC §7 reason code.
    pub reason: String,
    /// `delay_settlement`, `suspend_transactions` or `terminate`.
    pub penalty: String,
    /// Free text.
    pub evidence: String,
    /// The acquirer that should report it.
    pub reporter: String,
    /// Merchant, person or outsourcer name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Merchant's or outsourcer's USCC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uscc: Option<String>,
    /// Person's document type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    /// Person's document number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// Person's phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Settlement account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// Terminal serial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn: Option<String>,
}

/// One terminal location report (`terminal_locations/ACQnn.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationReport {
    /// Serial, when the report is keyed by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sn: Option<String>,
    /// Terminal number, when the report is keyed by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_id: Option<String>,
    /// WGS-84 latitude.
    pub lat: f64,
    /// WGS-84 longitude.
    pub lng: f64,
    /// When the terminal was seen there (RFC 3339, +08:00).
    pub seen_at: String,
}
