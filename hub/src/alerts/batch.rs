//! Matching a batch in bounded memory.
//!
//! Detection needs the identifiers a batch touched. Holding them for a whole
//! million-row batch would make memory grow with the batch, so the batch is
//! matched in slices: every [`SLICE`] stored rows, detection runs on what
//! those rows touched (inside the batch's transaction, so it sees every row
//! stored so far) and the slice is forgotten. A group that later rows of the
//! same batch extend is simply grown again; the batch result reports each
//! alert once, with its final size.
//!
//! A slice's fuzzy linking is CPU work with no database in it, and the
//! batch's writes are database work with little CPU on this side, so the
//! two overlap: when a slice is full its linking starts on a blocking
//! thread ([`LinkSession::start`]) and the batch goes on storing the next
//! slice's rows. The slice's links are stored, and its detection run, at
//! the next slice boundary (or the batch's end), once its linking is done.
//! Detection then sees the links of every slice up to its own and, as
//! before, every row stored so far.

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
    /// The slice being stored.
    filling: Slice,
    /// The slice whose linking runs in the background, waiting for
    /// detection.
    linking: Option<Linking>,
    sessions: Sessions,
    policy: LocationPolicy,
    /// The active blacklist entries: every row is screened against them.
    replica: crate::screening::ReplicaHandle,
    changes: BTreeMap<i64, AlertChange>,
}

/// What a batch stored since the last slice boundary.
#[derive(Default)]
struct Slice {
    /// The stored merchants, for fuzzy linking.
    records: Vec<(i64, MerchantRecord)>,
    touched: Touched,
}

/// What detection needs of a slice besides its links.
#[derive(Default)]
struct Touched {
    affected: Affected,
    /// New photos, for the near-duplicate search, with their thumbnails.
    photos: Vec<PhotoHashes>,
    thumbnails: std::collections::HashMap<String, matcher::Thumbnail>,
}

/// A slice handed to linking, with what its detection needs.
struct Linking {
    touched: Touched,
    /// Its rows' blacklist hits, found when it was handed over.
    screened: Vec<(feed::EntrySnapshot, Vec<(i64, matcher::Hit)>)>,
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
            filling: Slice::default(),
            linking: None,
            sessions,
            policy,
            replica,
            changes: BTreeMap::new(),
        }
    }

    /// Note photos the batch stored (before the rows that hold them).
    pub fn add_photos(&mut self, photos: &[&PhotoMeta]) {
        for photo in photos {
            self.filling.touched.photos.push(PhotoHashes {
                sha256: photo.sha256.clone(),
                search_hash: photo.search_hash,
            });
            self.filling
                .touched
                .thumbnails
                .insert(photo.sha256.clone(), photo.thumbnail.clone());
        }
    }

    /// Note a stored row (its store key and record); hands the slice to
    /// linking when it is full, and detects the one before.
    pub async fn add(
        &mut self,
        tx: &mut WriteTx,
        pk: i64,
        record: MerchantRecord,
        now: &str,
    ) -> Result<(), LinkError> {
        self.filling.touched.affected.add(pk, &record, &self.policy);
        self.filling.records.push((pk, record));
        if self.filling.records.len() >= SLICE {
            self.next_slice(tx, now).await?;
        }
        Ok(())
    }

    /// A slice boundary: the slice in linking gets its links stored, the
    /// filled slice goes to linking, then the first is detected (while the
    /// second is linked).
    async fn next_slice(&mut self, tx: &mut WriteTx, now: &str) -> Result<(), LinkError> {
        let Slice { records, touched } = std::mem::take(&mut self.filling);
        // Links and photo pairs before detection: it grows clusters along
        // them. The slice before this one first: this slice's candidates
        // include it.
        self.sessions.linking.store_links(tx).await?;
        let screened = self.screen(&records);
        self.sessions.linking.start(records);
        let filled = Linking { touched, screened };
        if let Some(linked) = self.linking.replace(filled) {
            self.detect(tx, linked, now).await?;
        }
        Ok(())
    }

    /// Detection of a slice whose links are stored.
    async fn detect(
        &mut self,
        tx: &mut WriteTx,
        slice: Linking,
        now: &str,
    ) -> Result<(), LinkError> {
        let touched = &slice.touched;
        let candidates = self.sessions.photos.add(&touched.photos);
        let pairs = crate::verify::confirm(tx, &candidates, &touched.thumbnails).await?;
        tx.insert_photo_pairs(&pairs).await?;
        // Boxed: detection's state machine is large, and a worker thread's
        // stack is not (2 MiB, less than an unoptimised build needs here).
        let mut changes = Box::pin(detect(tx, &touched.affected, &self.actor, now)).await?;
        for (entry, hits) in slice.screened {
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
    fn screen(
        &self,
        records: &[(i64, MerchantRecord)],
    ) -> Vec<(feed::EntrySnapshot, Vec<(i64, matcher::Hit)>)> {
        let replica = self.replica.read();
        if replica.active() == 0 {
            return Vec::new();
        }
        let mut by_entry: BTreeMap<i64, Vec<(i64, matcher::Hit)>> = BTreeMap::new();
        for (pk, record) in records {
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
        self.next_slice(tx, now).await?;
        self.sessions.linking.store_links(tx).await?;
        if let Some(last) = self.linking.take() {
            self.detect(tx, last, now).await?;
        }
        Ok((self.changes.into_values().collect(), self.sessions))
    }
}
