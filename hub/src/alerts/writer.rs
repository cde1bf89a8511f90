//! Writing alerts (SPEC §5): raise, grow, reopen, or leave alone. Every
//! case type goes through [`Writer`], so they all grow instead of
//! duplicating and all remember dismissals the same way.

use serde_json::{Value, json};

use super::AlertChange;
use crate::digest::sha256_hex;
use crate::store::{AlertRow, AlertWrite, MemberRow, StoreError, WriteTx};

/// What a dismissal is remembered by: the evidence without the parts that
/// move as the store grows (a fuzzy link's score and explanation carry
/// rarity counts), so only a new member or a new tie reopens an alert.
fn signature_basis(evidence: &Value) -> Value {
    let mut basis = evidence.clone();
    if let Some(links) = basis.get_mut("links").and_then(Value::as_array_mut) {
        for link in links {
            *link = stable_link(link);
        }
    }
    basis
}

/// A link without its moving parts: a fuzzy link's score and explanation.
pub(super) fn stable_link(link: &Value) -> Value {
    let mut link = link.clone();
    if let Some(fields) = link.as_object_mut() {
        fields.remove("score");
        fields.remove("explanation");
    }
    link
}

/// Writes alerts: raise, grow, reopen, or leave alone.
pub(super) struct Writer<'t, 'a> {
    /// The batch's (or the decision's) transaction.
    pub(super) tx: &'t mut WriteTx,
    /// Who: `batch:<id>`, `reindex`, a key id.
    pub(super) actor: &'a str,
    /// When.
    pub(super) now: &'a str,
}

impl Writer<'_, '_> {
    /// Raise or update the alert of `alert_type` tied by `key`.
    pub(super) async fn upsert(
        &mut self,
        alert_type: &str,
        subtype: Option<&str>,
        key: &str,
        members: &[MemberRow],
        evidence: Value,
        score: f64,
    ) -> Result<Option<AlertChange>, StoreError> {
        let existing = self.tx.find_alert(alert_type, key).await?;
        self.write(alert_type, subtype, key, existing, members, evidence, score)
            .await
    }

    /// Write the alert (`existing` is the stored one of its key, if any).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn write(
        &mut self,
        alert_type: &str,
        subtype: Option<&str>,
        key: &str,
        existing: Option<AlertRow>,
        members: &[MemberRow],
        mut evidence: Value,
        score: f64,
    ) -> Result<Option<AlertChange>, StoreError> {
        let member_list: Vec<Value> = members
            .iter()
            .map(|m| json!({"acquirer": m.acquirer, "merchant_id": m.merchant_id}))
            .collect();
        let members_json = serde_json::to_string(&member_list)?;
        // The signature covers who is involved and what ties them, not how
        // the shops are named today: a rename is not new evidence, so it
        // does not reopen a dismissal; a new member or a new tie does.
        let basis = signature_basis(&evidence);
        let signature = sha256_hex(format!("{members_json}\n{basis}").as_bytes());
        evidence["merchants"] = Value::Array(
            members
                .iter()
                .map(|m| {
                    json!({
                        "acquirer": m.acquirer,
                        "merchant_id": m.merchant_id,
                        "name": m.name,
                        "legal_rep_name": m.legal_rep_name,
                        "legal_rep_id": m.legal_rep_id_masked,
                    })
                })
                .collect(),
        );
        let evidence_json = serde_json::to_string(&evidence)?;
        let member_keys: Vec<(i64, String)> =
            members.iter().map(|m| (m.pk, m.acquirer.clone())).collect();
        let (status, change) = match &existing {
            None => ("open", "raised"),
            Some(alert) if alert.signature == signature => {
                if alert.evidence != evidence_json {
                    // Same finding, fresher display details: refresh quietly.
                    let write = AlertWrite {
                        alert_type,
                        subtype,
                        group_key: key,
                        status: &alert.status,
                        score,
                        members: &members_json,
                        evidence: &evidence_json,
                        signature: &signature,
                        member_keys: &member_keys,
                    };
                    self.tx.update_alert(alert.id, &write, self.now).await?;
                }
                return Ok(None);
            }
            // New evidence reopens a dismissal; the same evidence never does.
            Some(alert) if alert.status == "dismissed" => ("open", "reopened"),
            Some(alert) if alert.members == members_json => (alert.status.as_str(), "updated"),
            Some(alert) => (alert.status.as_str(), "grown"),
        };
        let write = AlertWrite {
            alert_type,
            subtype,
            group_key: key,
            status,
            score,
            members: &members_json,
            evidence: &evidence_json,
            signature: &signature,
            member_keys: &member_keys,
        };
        let id = match &existing {
            None => self.tx.insert_alert(&write, self.now).await?,
            Some(alert) => {
                self.tx.update_alert(alert.id, &write, self.now).await?;
                alert.id
            }
        };
        let detail = format!("{} members", members.len());
        self.tx
            .add_alert_event(id, self.now, change, self.actor, Some(&detail))
            .await?;
        Ok(Some(AlertChange {
            id,
            alert_type: alert_type.to_owned(),
            subtype: subtype.map(str::to_owned),
            change: change.to_owned(),
            member_count: members.len() as i64,
        }))
    }
}
