//! Sealing events into the chain, and checking them.
//!
//! A mirror that accepts an event has checked, in order: that it is the next
//! seq (no gap, no replay), that it continues the mirror's own last hash (no
//! fork), that its payload hashes to the stated hash (not altered), and that
//! the association signed that hash (not forged, not re-signed by another
//! key). Only then does it apply the payload.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::canonical::{self, NotCanonical};
use crate::event::{FeedHead, Payload, SignedEvent};

/// The previous hash of the first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Prefixed to the hash before signing, so a feed signature can never be
/// mistaken for a signature over anything else made with the same key.
pub const SIGNATURE_DOMAIN: &[u8] = b"mhub-feed-v1";

/// Everything that can be wrong with a feed event, by seq.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Events are missing (or repeated) between the mirror and this one.
    #[error("feed gap: expected event {expected}, got {got}")]
    Gap {
        /// The seq the mirror needs next.
        expected: u64,
        /// The seq received.
        got: u64,
    },
    /// The event does not continue the mirror's chain: the hub's history
    /// differs from what the mirror verified earlier.
    #[error("feed fork at event {seq}: its previous hash is not the hash of event {} the mirror holds", seq - 1)]
    Fork {
        /// The event's seq.
        seq: u64,
    },
    /// The payload does not hash to the stated hash: altered on the way.
    #[error("feed event {seq} was altered: its payload does not hash to its stated hash")]
    Tampered {
        /// The event's seq.
        seq: u64,
    },
    /// The signature is not the association's over this hash.
    #[error("feed event {seq} is not signed by the association key {key_id}")]
    BadSignature {
        /// The event's seq.
        seq: u64,
        /// The key that was expected.
        key_id: String,
    },
    /// The event is not well formed.
    #[error("feed event {seq} is malformed: {reason}")]
    Malformed {
        /// The event's seq.
        seq: u64,
        /// What is wrong.
        reason: String,
    },
}

impl FeedError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::Gap { .. } => "feed_gap",
            FeedError::Fork { .. } => "feed_fork",
            FeedError::Tampered { .. } => "feed_tampered",
            FeedError::BadSignature { .. } => "feed_bad_signature",
            FeedError::Malformed { .. } => "feed_malformed",
        }
    }
}

/// The short name of a public key (see [`crate::FeedKey::key_id`]).
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..8])
}

/// `SHA-256(prev ‖ canonical)`: one link of the chain. The hub's audit log
/// links its events the same way.
pub fn chain_hash(prev: &[u8; 32], canonical: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical);
    hasher.finalize().into()
}

fn signed_message(hash: &[u8; 32]) -> Vec<u8> {
    [SIGNATURE_DOMAIN, hash.as_slice()].concat()
}

/// Seal `payload` as the event after `prev` (whose hash is `prev_hash`).
pub fn seal(
    prev_hash: &[u8; 32],
    payload: &Payload,
    key: &SigningKey,
) -> Result<SignedEvent, NotCanonical> {
    let value = serde_json::to_value(payload).expect("payloads serialise");
    let bytes = canonical::to_vec(&value)?;
    let hash = chain_hash(prev_hash, &bytes);
    let signature = key.sign(&signed_message(&hash));
    Ok(SignedEvent {
        seq: payload.seq,
        prev_hash: hex::encode(prev_hash),
        hash: hex::encode(hash),
        signature: hex::encode(signature.to_bytes()),
        payload: value,
    })
}

fn hex32(text: &str, seq: u64, what: &str) -> Result<[u8; 32], FeedError> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(text, &mut out).map_err(|_| FeedError::Malformed {
        seq,
        reason: format!("{what} is not 64 hex digits"),
    })?;
    Ok(out)
}

/// Check `event` as the successor of `head` under the association `key`;
/// the new head and the parsed payload when it holds.
pub fn verify_next(
    head: &FeedHead,
    event: &SignedEvent,
    key: &VerifyingKey,
) -> Result<(FeedHead, Payload), FeedError> {
    let seq = event.seq;
    if seq != head.seq + 1 {
        return Err(FeedError::Gap {
            expected: head.seq + 1,
            got: seq,
        });
    }
    let head_hash = hex32(&head.hash, head.seq, "the mirror's head hash")?;
    let prev = hex32(&event.prev_hash, seq, "prev_hash")?;
    if prev != head_hash {
        return Err(FeedError::Fork { seq });
    }
    let bytes = canonical::to_vec(&event.payload).map_err(|e| FeedError::Malformed {
        seq,
        reason: e.to_string(),
    })?;
    let hash = chain_hash(&prev, &bytes);
    if hex32(&event.hash, seq, "hash")? != hash {
        return Err(FeedError::Tampered { seq });
    }
    let mut sig = [0u8; 64];
    hex::decode_to_slice(&event.signature, &mut sig).map_err(|_| FeedError::Malformed {
        seq,
        reason: "signature is not 128 hex digits".into(),
    })?;
    key.verify(&signed_message(&hash), &Signature::from_bytes(&sig))
        .map_err(|_| FeedError::BadSignature {
            seq,
            key_id: key_id(key),
        })?;
    // Only a verified payload is interpreted.
    let payload: Payload =
        serde_json::from_value(event.payload.clone()).map_err(|e| FeedError::Malformed {
            seq,
            reason: format!("payload: {e}"),
        })?;
    if payload.seq != seq {
        return Err(FeedError::Malformed {
            seq,
            reason: format!("payload says seq {}", payload.seq),
        });
    }
    Ok((
        FeedHead {
            seq,
            hash: event.hash.clone(),
        },
        payload,
    ))
}

impl FeedHead {
    /// The head of an empty feed.
    pub fn genesis() -> FeedHead {
        FeedHead {
            seq: 0,
            hash: hex::encode(GENESIS_HASH),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Action, EntrySnapshot, EntryStatus};
    use matcher::{ListedSubject, Penalty, Reason, SubjectType};

    pub(crate) fn payload(seq: u64, id: i64, action: Action) -> Payload {
        Payload {
            seq,
            action,
            at: "2026-12-01T00:00:00.000Z".into(),
            entry: EntrySnapshot {
                id,
                subject_type: SubjectType::Terminal,
                reason: Reason::Skimming,
                penalty: Penalty::SuspendTransactions,
                status: if action == Action::Remove {
                    EntryStatus::Removed
                } else {
                    EntryStatus::Active
                },
                reporter: "ACQ03".into(),
                subject: ListedSubject {
                    sn: Some(format!("2Q92194736155{id}")),
                    ..ListedSubject::default()
                },
                listed_at: "2026-12-01T00:00:00.000Z".into(),
                expires_at: "2031-12-01T00:00:00.000Z".into(),
                removal: (action == Action::Remove).then(|| "error".into()),
            },
        }
    }

    pub(crate) fn key(byte: u8) -> SigningKey {
        SigningKey::from_bytes(&[byte; 32])
    }

    fn chain(n: u64, key: &SigningKey) -> Vec<SignedEvent> {
        let mut prev = GENESIS_HASH;
        (1..=n)
            .map(|seq| {
                let event = seal(&prev, &payload(seq, seq as i64, Action::Add), key).unwrap();
                prev = hex32(&event.hash, seq, "hash").unwrap();
                event
            })
            .collect()
    }

    fn verify_all(events: &[SignedEvent], key: &VerifyingKey) -> Result<FeedHead, FeedError> {
        let mut head = FeedHead::genesis();
        for event in events {
            head = verify_next(&head, event, key)?.0;
        }
        Ok(head)
    }

    #[test]
    fn a_sealed_chain_verifies_through_the_wire_form() {
        let key = key(1);
        let events = chain(5, &key);
        let wire: Vec<SignedEvent> = events
            .iter()
            .map(|e| serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap())
            .collect();
        let head = verify_all(&wire, &key.verifying_key()).unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(head.hash, events[4].hash);
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let key = key(1);
        let public = key.verifying_key();
        let events = chain(4, &key);

        // One byte of one event's payload.
        let mut altered = events.clone();
        altered[2].payload["entry"]["subject"]["sn"] = "2Q921947361559".into();
        assert_eq!(
            verify_all(&altered, &public),
            Err(FeedError::Tampered { seq: 3 })
        );

        // Re-signed (and re-hashed) by another key.
        let mut forged = events.clone();
        let prev = hex32(&events[1].hash, 2, "hash").unwrap();
        forged[2] = seal(&prev, &payload(3, 99, Action::Add), &self::key(2)).unwrap();
        assert!(matches!(
            verify_all(&forged, &public),
            Err(FeedError::BadSignature { seq: 3, .. })
        ));

        // A dropped event.
        let mut dropped = events.clone();
        dropped.remove(1);
        assert_eq!(
            verify_all(&dropped, &public),
            Err(FeedError::Gap {
                expected: 2,
                got: 3
            })
        );

        // A fork: another history signed by the right key.
        let mut fork = chain(2, &key);
        let other = seal(
            &hex32(&fork[1].hash, 2, "hash").unwrap(),
            &payload(3, 77, Action::Remove),
            &key,
        )
        .unwrap();
        fork.push(other);
        let mirror_head = verify_all(&events[..2], &public).unwrap();
        // The mirror holds the real event 2; a feed whose event 3 continues
        // a different event 2 is refused.
        let mut rewritten = events[..3].to_vec();
        rewritten[1] = seal(
            &hex32(&events[0].hash, 1, "hash").unwrap(),
            &payload(2, 55, Action::Add),
            &key,
        )
        .unwrap();
        rewritten[2] = seal(
            &hex32(&rewritten[1].hash, 2, "hash").unwrap(),
            &payload(3, 56, Action::Add),
            &key,
        )
        .unwrap();
        assert_eq!(
            verify_next(&mirror_head, &rewritten[2], &public).unwrap_err(),
            FeedError::Fork { seq: 3 }
        );
        assert!(
            verify_all(&fork, &public).is_ok(),
            "a fork is itself a valid chain"
        );

        // A payload whose seq disagrees with the envelope.
        let mut moved = events[..1].to_vec();
        moved[0] = seal(&GENESIS_HASH, &payload(7, 1, Action::Add), &key).unwrap();
        moved[0].seq = 1;
        assert_eq!(
            verify_all(&moved, &public).unwrap_err().code(),
            "feed_malformed"
        );
    }
}
