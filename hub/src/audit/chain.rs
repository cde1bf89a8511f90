//! Sealing and verifying the audit chain.
//!
//! An event's canonical form is the JSON object of every stored field except
//! the three chain fields (`prev_hash`, `hash`, `signature`), with `detail`
//! as an object, in the feed's canonical JSON (sorted keys, no whitespace,
//! integers only). Then, as in the feed:
//!
//! ```text
//! hash      = SHA-256(prev_hash bytes ‖ canonical event)
//! signature = Ed25519(hub signing key, "mhub-audit-v1" ‖ hash bytes)
//! ```
//!
//! The genesis `prev_hash` is 32 zero bytes. A different signature domain
//! from the feed's keeps an audit signature from ever passing as a feed one.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use feed::chain::chain_hash;

use crate::store::{AuditRow, Store, StoreError};

/// What the signature covers besides the hash.
const SIGNATURE_DOMAIN: &[u8] = b"mhub-audit-v1";

/// Events read per round trip while verifying.
const PAGE: i64 = 1000;

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// Whether every event verified and the head names the last one.
    pub ok: bool,
    /// Events checked.
    pub events: i64,
    /// The stored head.
    pub head_seq: i64,
    /// The stored head's hash.
    pub head_hash: String,
    /// The signing key's id (first 16 hex digits of SHA-256 of the public
    /// key, as the feed names it).
    pub key_id: String,
    /// The first break found, if any.
    pub broken: Option<ChainBreak>,
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainBreak {
    /// The first event that does not verify (or the head's seq).
    pub seq: i64,
    /// What is wrong.
    pub reason: String,
}

fn canonical(row: &AuditRow, detail: &Map<String, Value>) -> Result<Vec<u8>, String> {
    let value = json!({
        "seq": row.seq,
        "at": row.at,
        "key_id": row.key_id,
        "role": row.role,
        "acquirer": row.acquirer,
        "remote": row.remote,
        "purpose": row.purpose,
        "action": row.action,
        "target": row.target,
        "status": row.status,
        "code": row.code,
        "detail": detail,
    });
    feed::canonical::to_vec(&value).map_err(|e| e.to_string())
}

fn signed_message(hash: &[u8; 32]) -> Vec<u8> {
    [SIGNATURE_DOMAIN, hash.as_slice()].concat()
}

fn hex32(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Fill in `detail`, `hash` and `signature` of an event whose other fields
/// (and `prev_hash`) are set.
pub(super) fn seal(
    mut row: AuditRow,
    detail: &Map<String, Value>,
    key: &SigningKey,
) -> Result<AuditRow, String> {
    let prev = hex32(&row.prev_hash).ok_or("stored audit head hash is not 32 bytes of hex")?;
    let canonical = canonical(&row, detail)?;
    let hash = chain_hash(&prev, &canonical);
    row.detail = feed::canonical::to_vec(&Value::Object(detail.clone()))
        .map_err(|e| e.to_string())
        .and_then(|bytes| String::from_utf8(bytes).map_err(|e| e.to_string()))?;
    row.hash = hex::encode(hash);
    row.signature = hex::encode(key.sign(&signed_message(&hash)).to_bytes());
    Ok(row)
}

/// Check one event against the hash before it; the reason it fails.
fn check(row: &AuditRow, expected_seq: i64, prev: &str, key: &VerifyingKey) -> Result<(), String> {
    if row.seq != expected_seq {
        return Err(format!("expected seq {expected_seq}, found {}", row.seq));
    }
    if row.prev_hash != prev {
        return Err("prev_hash does not name the previous event".into());
    }
    let detail = match serde_json::from_str::<Value>(&row.detail) {
        Ok(Value::Object(detail)) => detail,
        _ => return Err("detail is not a JSON object".into()),
    };
    let prev_bytes = hex32(prev).ok_or("prev_hash is not 32 bytes of hex")?;
    let hash = chain_hash(&prev_bytes, &canonical(row, &detail)?);
    if hex::encode(hash) != row.hash {
        return Err("hash does not match the event's content".into());
    }
    let signature = hex::decode(&row.signature)
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or("signature is malformed")?;
    key.verify(&signed_message(&hash), &signature)
        .map_err(|_| "signature does not verify with the hub's key".to_owned())
}

/// Walk every event from the genesis and compare the end with the head.
pub(super) async fn verify(store: &Store, key: &VerifyingKey) -> Result<ChainReport, StoreError> {
    let (head_seq, head_hash) = store.audit_head().await?;
    let mut report = ChainReport {
        ok: true,
        events: 0,
        head_seq,
        head_hash: head_hash.clone(),
        key_id: feed::key_id(key),
        broken: None,
    };
    let mut prev = hex::encode([0u8; 32]);
    let mut seq = 0;
    loop {
        let page = store.audit_events_after(seq, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for row in &page {
            if let Err(reason) = check(row, seq + 1, &prev, key) {
                report.ok = false;
                report.broken = Some(ChainBreak {
                    seq: seq + 1,
                    reason,
                });
                return Ok(report);
            }
            seq = row.seq;
            prev.clone_from(&row.hash);
            report.events += 1;
        }
    }
    if (seq, &prev) != (head_seq, &head_hash) {
        report.ok = false;
        report.broken = Some(ChainBreak {
            seq: head_seq,
            reason: format!("the head names seq {head_seq} but the chain ends at seq {seq}"),
        });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    fn event(seq: i64, prev_hash: &str) -> AuditRow {
        let unsealed = AuditRow {
            seq,
            at: "2026-12-01T00:00:00.000Z".into(),
            key_id: "0123456789ab".into(),
            role: "analyst".into(),
            acquirer: None,
            remote: Some("127.0.0.1".into()),
            purpose: Some("investigation".into()),
            action: "search".into(),
            target: "search".into(),
            status: 200,
            code: None,
            detail: String::new(),
            prev_hash: prev_hash.into(),
            hash: String::new(),
            signature: String::new(),
        };
        let mut detail = Map::new();
        detail.insert("field".into(), "phone".into());
        seal(unsealed, &detail, &key()).unwrap()
    }

    #[test]
    fn a_sealed_event_verifies_and_any_edit_is_caught() {
        let genesis = hex::encode([0u8; 32]);
        let first = event(1, &genesis);
        let second = event(2, &first.hash);
        let public = key().verifying_key();
        check(&first, 1, &genesis, &public).unwrap();
        check(&second, 2, &first.hash, &public).unwrap();

        let mut edited = second.clone();
        edited.target = "merchant:ACQ01/M1".into();
        assert!(check(&edited, 2, &first.hash, &public).is_err());
        let mut edited = second.clone();
        edited.detail = r#"{"field":"name or address"}"#.into();
        assert!(check(&edited, 2, &first.hash, &public).is_err());
        // Deleting the first event leaves the second pointing at nothing.
        assert!(check(&second, 1, &genesis, &public).is_err());
        // Re-sealed by anyone without the hub's key: the signature fails.
        let forged = seal(
            AuditRow {
                target: "elsewhere".into(),
                ..second.clone()
            },
            &Map::new(),
            &SigningKey::from_bytes(&[8; 32]),
        )
        .unwrap();
        let reason = check(&forged, 2, &first.hash, &public).unwrap_err();
        assert!(reason.contains("signature"), "{reason}");
    }
}
