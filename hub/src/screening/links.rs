//! What the hub already holds about a prospective merchant's people and
//! identifiers: "this legal representative is already behind 4 merchants
//! at 3 acquirers". Counts only — the screening acquirer learns how wide a
//! person reaches, not whose merchants those are.

use matcher::{MerchantRecord, TerminalSn};
use serde::{Deserialize, Serialize};

use crate::store::{Store, StoreError};

/// How many stored merchants share one value, at how many acquirers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Presence {
    /// Stored merchants holding it.
    pub merchants: i64,
    /// Distinct acquirers among them.
    pub acquirers: i64,
}

/// The record's values already in the store (absent: none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExistingLinks {
    /// The legal representative's document.
    pub legal_rep: Option<Presence>,
    /// The USCC.
    pub uscc: Option<Presence>,
    /// The legal-rep or contact phones (either column).
    pub phones: Option<Presence>,
    /// The settlement account.
    pub account: Option<Presence>,
    /// The terminal SNs (O/0, I/1 folded).
    pub terminal_sns: Option<Presence>,
    /// The same, in words, for people.
    pub summary: Vec<String>,
}

/// Look up the record's values.
pub(super) async fn existing(
    store: &Store,
    record: &MerchantRecord,
) -> Result<ExistingLinks, StoreError> {
    let present = |(merchants, acquirers): (i64, i64)| {
        (merchants > 0).then_some(Presence {
            merchants,
            acquirers,
        })
    };
    let legal_rep = present(
        store
            .presence(
                "legal_rep_id_token",
                &[record.legal_rep.id.token.to_string()],
            )
            .await?,
    );
    let uscc = match &record.uscc {
        Some(uscc) => present(store.presence("uscc", std::slice::from_ref(uscc)).await?),
        None => None,
    };
    let phones: Vec<String> = [&record.legal_rep.phone, &record.contact_phone]
        .into_iter()
        .flatten()
        .map(|p| p.token.to_string())
        .collect();
    let phones = if phones.is_empty() {
        None
    } else {
        present(store.presence("phone", &phones).await?)
    };
    let account = present(
        store
            .presence(
                "account_token",
                &[record.settlement_account.number.token.to_string()],
            )
            .await?,
    );
    let sn_keys: Vec<String> = record
        .terminals
        .iter()
        .filter_map(|t| t.sn.as_deref())
        .filter_map(|sn| TerminalSn::parse(sn).ok())
        .map(|sn| sn.match_key())
        .collect();
    let terminal_sns = if sn_keys.is_empty() {
        None
    } else {
        present(store.presence("sn_key", &sn_keys).await?)
    };
    let mut summary = Vec::new();
    for (what, presence) in [
        ("this legal representative", legal_rep),
        ("this USCC", uscc),
        ("these phones", phones),
        ("this settlement account", account),
        ("these terminal SNs", terminal_sns),
    ] {
        if let Some(p) = presence {
            summary.push(format!(
                "{what} already behind {} merchant{} at {} acquirer{}",
                p.merchants,
                if p.merchants == 1 { "" } else { "s" },
                p.acquirers,
                if p.acquirers == 1 { "" } else { "s" },
            ));
        }
    }
    Ok(ExistingLinks {
        legal_rep,
        uscc,
        phones,
        account,
        terminal_sns,
        summary,
    })
}
