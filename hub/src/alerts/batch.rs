//! Matching a batch in bounded memory.
//!
//! Detection needs the identifiers a batch touched. Holding them for a whole
//! million-row batch would make memory grow with the batch, so the batch is
//! matched in slices: every [`SLICE`] stored rows, detection runs on what
//! those rows touched (inside the batch's transaction, so it sees every row
//! stored so far) and the slice is forgotten. A group that later rows of the
//! same batch extend is simply grown again; the batch result reports each
//! alert once, with its final size.

use std::collections::BTreeMap;

use matcher::{LocationPolicy, MerchantRecord};

use super::{Affected, AlertChange, detect};
use crate::linking::{LinkError, LinkSession};
use crate::store::{PhotoHashes, PhotoMeta, WriteTx};
use crate::verify::PhotoSession;

/// Rows per detection slice.
pub const SLICE: usize = 5_000;

/// The matching state of one batch.
pub struct BatchMatcher {
    actor: String,
    affected: Affected,
    /// The slice's stored merchants, for fuzzy linking.
    slice: Vec<(i64, MerchantRecord)>,
    /// The slice's new photos, for the near-duplicate search, with their
    /// thumbnails.
    photos: Vec<PhotoHashes>,
    thumbnails: std::collections::HashMap<String, matcher::Thumbnail>,
    sessions: Sessions,
    policy: LocationPolicy,
    /// The active blacklist entries: every row is screened against them.
    replica: crate::screening::ReplicaHandle,
    changes: BTreeMap<i64, AlertChange>,
}

/// The batch's hold on the derived state (the candidate index, the photo
/// index): to be told when the batch has committed.
pub struct Sessions {
    /// Fuzzy linking.
    pub linking: LinkSession,
    /// Near-duplicate photos.
    pub photos: PhotoSession,
}

impl Sessions {
    /// The batch committed: what it added to the derived state stays.
    pub async fn committed(self, batch_id: i64) -> Result<(), LinkError> {
        self.photos.committed();
        self.linking.committed(batch_id).await
    }
}

impl BatchMatcher {
    /// Matching for the batch `actor` (`batch:<id>`), under the location
    /// `policy`, with its hold on the derived state.
    pub fn new(
        actor: String,
        sessions: Sessions,
        policy: LocationPolicy,
        replica: crate::screening::ReplicaHandle,
    ) -> BatchMatcher {
        BatchMatcher {
            actor,
            affected: Affected::default(),
            slice: Vec::new(),
            photos: Vec::new(),
            thumbnails: std::collections::HashMap::new(),
            sessions,
            policy,
            replica,
            changes: BTreeMap::new(),
        }
    }

    /// Note photos the batch stored (before the rows that hold them).
    pub fn add_photos(&mut self, photos: &[&PhotoMeta]) {
        for photo in photos {
            self.photos.push(PhotoHashes {
                sha256: photo.sha256.clone(),
                search_hash: photo.search_hash,
            });
            self.thumbnails
                .insert(photo.sha256.clone(), photo.thumbnail.clone());
        }
    }

    /// Note a stored row (its store key and record); runs linking and
    /// detection when a slice is full.
    pub async fn add(
        &mut self,
        tx: &mut WriteTx,
        pk: i64,
        record: MerchantRecord,
        now: &str,
    ) -> Result<(), LinkError> {
        self.affected.add(pk, &record, &self.policy);
        self.slice.push((pk, record));
        if self.slice.len() >= SLICE {
            self.flush(tx, now).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut WriteTx, now: &str) -> Result<(), LinkError> {
        let affected = std::mem::take(&mut self.affected);
        let screened = self.screen_slice();
        // Links and photo pairs first: detection grows clusters along them.
        self.sessions
            .linking
            .link(tx, std::mem::take(&mut self.slice))
            .await?;
        let candidates = self.sessions.photos.add(&std::mem::take(&mut self.photos));
        let thumbnails = std::mem::take(&mut self.thumbnails);
        let pairs = crate::verify::confirm(tx, &candidates, &thumbnails).await?;
        tx.insert_photo_pairs(&pairs).await?;
        // Boxed: detection's state machine is large, and a worker thread's
        // stack is not (2 MiB, less than an unoptimised build needs here).
        let mut changes = Box::pin(detect(tx, &affected, &self.actor, now)).await?;
        for (entry, hits) in screened {
            let change = super::blacklist_hit(tx, &self.actor, now, &entry, &hits, &[]).await?;
            changes.extend(change);
        }
        for change in changes {
            match self.changes.get_mut(&change.id) {
                // Raised earlier in this batch: still "raised", now bigger.
                Some(first) if first.change == "raised" => first.member_count = change.member_count,
                _ => {
                    self.changes.insert(change.id, change);
                }
            }
        }
        Ok(())
    }

    /// Screen the slice's rows against the active blacklist entries: the
    /// hits of each entry concerned, with the entry as published.
    fn screen_slice(&self) -> Vec<(feed::EntrySnapshot, Vec<(i64, matcher::Hit)>)> {
        let replica = self.replica.read();
        if replica.active() == 0 {
            return Vec::new();
        }
        let mut by_entry: BTreeMap<i64, Vec<(i64, matcher::Hit)>> = BTreeMap::new();
        for (pk, record) in &self.slice {
            for hit in replica.screen(record).hits {
                by_entry.entry(hit.entry_id).or_default().push((*pk, hit));
            }
        }
        by_entry
            .into_iter()
            .filter_map(|(id, hits)| Some((replica.entries().get(&id)?.clone(), hits)))
            .collect()
    }

    /// Match the last slice and return every alert the batch raised, grew
    /// or reopened, with the sessions to close once the batch has committed
    /// ([`Sessions::committed`]).
    pub async fn finish(
        mut self,
        tx: &mut WriteTx,
        now: &str,
    ) -> Result<(Vec<AlertChange>, Sessions), LinkError> {
        self.flush(tx, now).await?;
        Ok((self.changes.into_values().collect(), self.sessions))
    }
}
