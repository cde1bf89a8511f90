//! `blacklist_hit` alerts (SPEC §5, §7): one per blacklist entry, naming
//! every stored merchant the entry concerns and every kept screen it
//! concerns (a retro alert), with the field-by-field match of each.
//!
//! Raised by ingest (each batch row is screened against the active
//! entries) and by approval (every stored merchant and kept screen is
//! screened against the new entry); both grow the same alert.

use std::collections::BTreeMap;

use feed::EntrySnapshot;
use matcher::{Decision, Hit};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::AlertChange;
use super::writer::Writer;
use crate::store::{StoreError, WriteTx};

/// A kept screen an entry concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScreenHit {
    /// The kept screen.
    pub screening_id: i64,
    /// The acquirer that screened (absent for analysts).
    pub acquirer: Option<String>,
    /// The prospect's merchant_id.
    pub merchant_id: String,
    /// When it was screened.
    pub at: String,
    /// How it matches.
    pub hit: Hit,
}

/// How a stored merchant matches, as kept in the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MerchantHit {
    acquirer: String,
    merchant_id: Option<String>,
    #[serde(flatten)]
    hit: Hit,
}

/// Raise or grow the alert of `entry` with these merchants (store key and
/// hit) and screens.
pub async fn blacklist_hit(
    tx: &mut WriteTx,
    actor: &str,
    now: &str,
    entry: &EntrySnapshot,
    merchants: &[(i64, Hit)],
    screens: &[ScreenHit],
) -> Result<Option<AlertChange>, StoreError> {
    if merchants.is_empty() && screens.is_empty() {
        return Ok(None);
    }
    let key = format!("entry:{}", entry.id);
    let existing = tx.find_alert("blacklist_hit", &key).await?;
    // What the alert already holds, so a hit found later adds to it.
    let mut by_member: BTreeMap<(String, String), Hit> = BTreeMap::new();
    let mut by_screen: BTreeMap<i64, ScreenHit> = BTreeMap::new();
    let mut pks: Vec<i64> = merchants.iter().map(|(pk, _)| *pk).collect();
    if let Some(alert) = &existing {
        let evidence: Value = serde_json::from_str(&alert.evidence)?;
        for item in evidence["hits"].as_array().into_iter().flatten() {
            let hit: MerchantHit = serde_json::from_value(item.clone())?;
            if let Some(id) = hit.merchant_id {
                by_member.insert((hit.acquirer, id), hit.hit);
            }
        }
        for item in evidence["screenings"].as_array().into_iter().flatten() {
            let hit: ScreenHit = serde_json::from_value(item.clone())?;
            by_screen.insert(hit.screening_id, hit);
        }
        pks.extend(tx.alert_member_pks(alert.id).await?);
    }
    pks.sort_unstable();
    pks.dedup();
    let members = tx.members_by_pk(&pks).await?;
    let by_pk: BTreeMap<i64, &Hit> = merchants.iter().map(|(pk, hit)| (*pk, hit)).collect();
    for member in &members {
        if let Some(hit) = by_pk.get(&member.pk) {
            by_member.insert(
                (member.acquirer.clone(), member.merchant_id.clone()),
                (*hit).clone(),
            );
        }
    }
    for screen in screens {
        by_screen.insert(screen.screening_id, screen.clone());
    }
    let strongest = by_member
        .values()
        .map(|h| h.decision)
        .chain(by_screen.values().map(|s| s.hit.decision))
        .max()
        .unwrap_or(Decision::Review);
    let hits: Vec<MerchantHit> = by_member
        .into_iter()
        .map(|((acquirer, merchant_id), hit)| MerchantHit {
            acquirer,
            merchant_id: Some(merchant_id),
            hit,
        })
        .collect();
    let screenings: Vec<&ScreenHit> = by_screen.values().collect();
    let evidence = json!({
        "entry": {
            "id": entry.id,
            "subject_type": entry.subject_type,
            "reason": entry.reason,
            "penalty": entry.penalty,
            "reporter": entry.reporter,
            "subject": entry.subject,
        },
        "hits": hits,
        "screenings": screenings,
    });
    let score = if strongest == Decision::Blocked {
        1.0
    } else {
        0.6
    };
    let mut writer = Writer { tx, actor, now };
    let change = writer
        .write(
            "blacklist_hit",
            Some(strongest.as_str()),
            &key,
            existing,
            &members,
            evidence,
            score,
        )
        .await?;
    if let Some(change) = &change {
        for acquirer in screenings.iter().filter_map(|s| s.acquirer.as_deref()) {
            tx.add_alert_viewer(change.id, acquirer).await?;
        }
    }
    Ok(change)
}
