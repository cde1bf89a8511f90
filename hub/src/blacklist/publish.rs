//! Publishing blacklist changes as signed feed events (SPEC §8), and
//! reading them back for the feed endpoints.
//!
//! An event is appended in the transaction that changes the entry, under
//! the lock of the one-row `feed_head`: the seq is the head's plus one, the
//! previous hash the head's hash. Two hubs sharing a PostgreSQL queue on
//! that lock, so the chain stays gapless and unforked; a transaction that
//! rolls back takes its event with it.

use ed25519_dalek::{SigningKey, VerifyingKey};
use feed::{Action, EntrySnapshot, FeedHead, FeedKey, Payload, SignedEvent};

use crate::store::{FeedEventRow, Store, StoreError, WriteTx};

/// Append the event for `entry` after `action`.
pub(super) async fn append(
    tx: &mut WriteTx,
    key: &SigningKey,
    action: Action,
    entry: &EntrySnapshot,
    now: &str,
) -> Result<FeedEventRow, StoreError> {
    let (head_seq, head_hash) = tx.feed_head_for_update().await?;
    let mut prev = [0u8; 32];
    hex::decode_to_slice(&head_hash, &mut prev)
        .map_err(|_| StoreError::Vocabulary("feed head hash is not 64 hex digits".into()))?;
    let payload = Payload {
        seq: head_seq as u64 + 1,
        action,
        at: now.to_owned(),
        entry: entry.clone(),
    };
    let event =
        feed::seal(&prev, &payload, key).map_err(|e| StoreError::Vocabulary(e.to_string()))?;
    let canonical = feed::canonical::to_vec(&event.payload)
        .map_err(|e| StoreError::Vocabulary(e.to_string()))?;
    let row = FeedEventRow {
        seq: event.seq as i64,
        entry_id: entry.id,
        action: action.as_str().to_owned(),
        at: now.to_owned(),
        prev_hash: event.prev_hash,
        hash: event.hash,
        signature: event.signature,
        payload: String::from_utf8(canonical).expect("canonical JSON is UTF-8"),
    };
    tx.append_feed_event(&row).await?;
    Ok(row)
}

/// Reads the stored feed.
#[derive(Clone)]
pub struct FeedReader {
    store: Store,
    key: VerifyingKey,
}

impl FeedReader {
    pub(super) fn new(store: Store, key: VerifyingKey) -> FeedReader {
        FeedReader { store, key }
    }

    /// Where the feed stands.
    pub async fn head(&self) -> Result<FeedHead, StoreError> {
        let (seq, hash) = self.store.feed_head().await?;
        Ok(FeedHead {
            seq: seq as u64,
            hash,
        })
    }

    /// The association's public key.
    pub fn key(&self) -> FeedKey {
        FeedKey {
            algorithm: "ed25519".into(),
            public_key: hex::encode(self.key.as_bytes()),
            key_id: feed::key_id(&self.key),
        }
    }

    /// Events after `after`, at most `limit`, in order.
    pub async fn events(&self, after: u64, limit: u64) -> Result<Vec<SignedEvent>, StoreError> {
        let rows = self
            .store
            .feed_events(after.min(i64::MAX as u64) as i64, limit as i64)
            .await?;
        rows.into_iter().map(signed_event).collect()
    }
}

/// A stored event in its wire form.
pub fn signed_event(row: FeedEventRow) -> Result<SignedEvent, StoreError> {
    Ok(SignedEvent {
        seq: row.seq as u64,
        prev_hash: row.prev_hash,
        hash: row.hash,
        signature: row.signature,
        payload: serde_json::from_str(&row.payload)?,
    })
}
