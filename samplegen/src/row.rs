//! One batch row as written (SPEC §3), in JSON Lines or CSV form.
//!
//! Every field is what the acquirer's system wrote: full-width digits,
//! `+86` phones, 15-digit IDs and all. Required fields are `Option` here only
//! so that an invalid row can leave one out (`missing_field`).

use serde::Serialize;

/// `lat`/`lng`: a number, or a string when an invalid row has the wrong type.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Coordinate {
    Number(f64),
    Text(String),
}

impl Coordinate {
    fn csv(&self) -> String {
        match self {
            Coordinate::Number(v) => v.to_string(),
            Coordinate::Text(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct LegalRepRow {
    pub(crate) name: String,
    pub(crate) id_type: String,
    pub(crate) id_number: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) phone: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct AccountRow {
    pub(crate) number: String,
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bank: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TerminalRow {
    pub(crate) terminal_id: String,
    pub(crate) sn: String,
    pub(crate) vendor: String,
    pub(crate) model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lng: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PhotoRow {
    pub(crate) kind: String,
    /// Relative to the batch directory: `photos/<file>.jpg`.
    pub(crate) file: String,
}

/// A merchant row. Field order is SPEC §3's.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    pub(crate) merchant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) uscc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mcc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) region_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lat: Option<Coordinate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lng: Option<Coordinate>,
    pub(crate) legal_rep: LegalRepRow,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) contact_phone: Option<String>,
    pub(crate) settlement_account: AccountRow,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) terminals: Vec<TerminalRow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) photos: Vec<PhotoRow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) onboarded_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) termination_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) terminated_at: Option<String>,
    /// A vendor field the schema does not name (the hub ignores it with a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) branch_code: Option<String>,
}

/// `merchants.csv` columns, in order (the batch format's one list).
pub(crate) use matcher::MERCHANT_CSV_COLUMNS as MERCHANT_COLUMNS;

/// `terminals.csv` columns, in order.
pub(crate) use matcher::TERMINAL_CSV_COLUMNS as TERMINAL_COLUMNS;

impl Row {
    /// The `merchants.csv` record; an empty cell means absent.
    pub(crate) fn merchant_record(&self) -> [String; 22] {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let c = |v: &Option<Coordinate>| v.as_ref().map(Coordinate::csv).unwrap_or_default();
        let photos = self
            .photos
            .iter()
            .map(|p| format!("{}:{}", p.kind, p.file))
            .collect::<Vec<_>>()
            .join(";");
        [
            self.merchant_id.clone(),
            s(&self.name),
            s(&self.uscc),
            s(&self.mcc),
            s(&self.address),
            s(&self.region_code),
            c(&self.lat),
            c(&self.lng),
            self.legal_rep.name.clone(),
            self.legal_rep.id_type.clone(),
            self.legal_rep.id_number.clone(),
            s(&self.legal_rep.phone),
            s(&self.contact_phone),
            self.settlement_account.number.clone(),
            self.settlement_account.name.clone(),
            s(&self.settlement_account.bank),
            s(&self.settlement_account.kind),
            s(&self.onboarded_at),
            s(&self.status),
            s(&self.termination_reason),
            s(&self.terminated_at),
            photos,
        ]
    }

    /// The `terminals.csv` records of this merchant.
    pub(crate) fn terminal_records(&self) -> impl Iterator<Item = [String; 7]> + '_ {
        let f = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
        self.terminals.iter().map(move |t| {
            [
                self.merchant_id.clone(),
                t.terminal_id.clone(),
                t.sn.clone(),
                t.vendor.clone(),
                t.model.clone(),
                f(t.lat),
                f(t.lng),
            ]
        })
    }
}
