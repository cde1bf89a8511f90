//! Alerts as a principal may see them (SPEC §9).
//!
//! Analysts and admins see every member. An acquirer sees its own merchants
//! in full; another acquirer's merchant appears only as its acquirer code, a
//! masked name and the evidence that links it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Principal;
use crate::store::{AlertEventRow, AlertRow, StoreError};

/// One member of an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemberView {
    /// Owning acquirer.
    pub acquirer: String,
    /// Merchant number; absent when it belongs to another acquirer than the viewer.
    pub merchant_id: Option<String>,
}

/// One change in an alert's history.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EventView {
    /// When.
    pub at: String,
    /// raised, grown, reopened, confirmed, dismissed.
    pub action: String,
    /// Who: a key id, or `batch:<id>`.
    pub actor: String,
    /// Free text.
    pub detail: Option<String>,
}

/// An alert as returned by the API.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertView {
    /// Alert id.
    pub id: i64,
    /// Case type (SPEC §5).
    #[serde(rename = "type")]
    pub alert_type: String,
    /// `exact` / `linked` for one_person_many_merchants.
    pub subtype: Option<String>,
    /// open, confirmed or dismissed.
    pub status: String,
    /// Strength, 0–1.
    pub score: f64,
    /// The merchants involved.
    pub members: Vec<MemberView>,
    /// What links them: fields, masked values, similarities, weights.
    pub evidence: Value,
    /// First raised.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Who decided, when it was confirmed or dismissed.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// History, in the single-alert view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventView>>,
}

/// Mask a name for viewers who may not see it: first and last character kept.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 | 2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Build the view of an alert for `principal`, redacting other acquirers' merchants.
pub fn redact_for(
    principal: &Principal,
    row: AlertRow,
    events: Option<Vec<AlertEventRow>>,
) -> Result<AlertView, StoreError> {
    let mut members: Vec<MemberView> = serde_json::from_str(&row.members)?;
    let mut evidence: Value = serde_json::from_str(&row.evidence)?;
    if !principal.sees_everything() {
        let own = principal.acquirer.as_deref();
        for member in &mut members {
            if Some(member.acquirer.as_str()) != own {
                member.merchant_id = None;
            }
        }
        if let Some(links) = evidence.get_mut("links").and_then(Value::as_array_mut) {
            for link in links {
                redact_fuzzy_link(link, own);
            }
        }
        // Photos, terminal reports and blacklist hits name the merchant
        // they belong to.
        for list in ["photos", "reports", "hits"] {
            if let Some(items) = evidence.get_mut(list).and_then(Value::as_array_mut) {
                for item in items {
                    if item["acquirer"].as_str() != own {
                        item["merchant_id"] = Value::Null;
                    }
                }
            }
        }
        // Another acquirer's screens of prospects are none of this one's
        // business: a retro alert shows an acquirer its own screens only.
        if let Some(screens) = evidence.get_mut("screenings").and_then(Value::as_array_mut) {
            screens.retain(|s| s["acquirer"].as_str() == own);
        }
        if let Some(merchants) = evidence.get_mut("merchants").and_then(Value::as_array_mut) {
            for merchant in merchants {
                if merchant["acquirer"].as_str() != own {
                    let name = merchant["name"].as_str().map(mask_name);
                    let rep = merchant["legal_rep_name"].as_str().map(mask_name);
                    merchant["merchant_id"] = Value::Null;
                    merchant["name"] = name.into();
                    merchant["legal_rep_name"] = rep.into();
                }
            }
        }
    }
    Ok(AlertView {
        id: row.id,
        alert_type: row.alert_type,
        subtype: row.subtype,
        status: row.status,
        score: row.score,
        members,
        evidence,
        created_at: row.created_at,
        updated_at: row.updated_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        reason: row.reason,
        events: events.map(|events| {
            events
                .into_iter()
                .map(|e| EventView {
                    at: e.at,
                    action: e.action,
                    actor: e.actor,
                    detail: e.detail,
                })
                .collect()
        }),
    })
}

/// Mask another acquirer's side of a fuzzy link: its merchant number, and
/// its name and address values in the explanation (`left` is the first
/// merchant's value, `right` the second's).
fn redact_fuzzy_link(link: &mut Value, own: Option<&str>) {
    if link["via"] != "fuzzy" {
        return;
    }
    let mut foreign = [false, false];
    if let Some(merchants) = link.get_mut("merchants").and_then(Value::as_array_mut) {
        for (side, merchant) in merchants.iter_mut().enumerate().take(2) {
            if merchant["acquirer"].as_str() != own {
                foreign[side] = true;
                merchant["merchant_id"] = Value::Null;
            }
        }
    }
    let items = link
        .get_mut("explanation")
        .and_then(|e| e.get_mut("evidence"))
        .and_then(Value::as_array_mut);
    for item in items.into_iter().flatten() {
        for (side, key) in ["left", "right"].into_iter().enumerate() {
            if foreign[side] {
                let masked = item[key].as_str().map(mask_name);
                item[key] = masked.into();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_to_their_first_and_last_character() {
        assert_eq!(mask_name("深圳市老王烟酒商行"), "深*******行");
        assert_eq!(mask_name("王伟"), "王*");
        assert_eq!(mask_name(""), "");
    }
}
