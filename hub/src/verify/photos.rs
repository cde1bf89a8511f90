//! Near-duplicate photos across every merchant (SPEC §6, `shared_photo`).
//!
//! The band index over all stored photos' search hashes lives in memory
//! ([`matcher::PhotoIndex`]), loaded from the store at start-up and extended
//! as batches store photos: 1,000,000 photos cost about 150 MB, and a search
//! reads a few hundred buckets instead of the collection. Each new photo is
//! searched against every photo known before it, candidates are verified on
//! the independent hash ([`matcher::near_duplicate`]), and the verified pairs
//! go to the store (`photo_pairs`), where detection reads them.
//!
//! The index is derived state, like the candidate index: a batch's photos
//! join it while the batch runs (so its later rows find its earlier ones),
//! and a batch that does not commit takes them out again when its
//! [`PhotoSession`] is dropped, so a retry searches them afresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use matcher::{PhotoIndex, SEARCH_MAX_BITS, near_duplicate};

use crate::store::{PhotoHashes, PhotoPair, Store, StoreError};

/// Photos read per page when loading.
const PAGE: i64 = 10_000;

/// The hub's near-duplicate search.
#[derive(Clone, Default)]
pub struct PhotoMatcher {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    index: PhotoIndex,
    /// By ordinal in the index.
    photos: Vec<Known>,
    /// Ordinal of each live photo.
    by_sha: HashMap<String, u32>,
}

struct Known {
    sha256: String,
    verify_hash: String,
    /// False once a batch that added it failed: searches skip it.
    live: bool,
}

impl State {
    fn add(&mut self, photo: &PhotoHashes) -> u32 {
        let ordinal = self.index.add(photo.search_hash);
        self.photos.push(Known {
            sha256: photo.sha256.clone(),
            verify_hash: photo.verify_hash.clone(),
            live: true,
        });
        self.by_sha.insert(photo.sha256.clone(), ordinal);
        ordinal
    }
}

impl PhotoMatcher {
    /// Load every stored photo's hashes.
    pub async fn load(store: &Store) -> Result<PhotoMatcher, StoreError> {
        let matcher = PhotoMatcher::default();
        let mut after = String::new();
        loop {
            let page = store.photo_hashes_page(&after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.sha256.clone();
            let mut state = matcher.lock();
            for photo in &page {
                state.add(photo);
            }
        }
        Ok(matcher)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while searching leaves no half-written state worth
        // refusing: every write is one push.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Photos known.
    pub fn len(&self) -> usize {
        self.lock().by_sha.len()
    }

    /// Whether no photo is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Start a batch's use of the index.
    pub fn begin(&self) -> PhotoSession {
        PhotoSession {
            matcher: self.clone(),
            added: Vec::new(),
            committed: false,
        }
    }

    /// Rebuild every pair from scratch (`mhub reindex`): each photo, in
    /// content-hash order, against those before it.
    pub fn all_pairs(&self) -> Vec<PhotoPair> {
        let state = self.lock();
        let mut pairs = Vec::new();
        for (ordinal, photo) in state.photos.iter().enumerate() {
            if !photo.live {
                continue;
            }
            let hash = state.index_hash(ordinal as u32);
            for (other, _) in state.index.search(hash, SEARCH_MAX_BITS) {
                if other as usize >= ordinal {
                    continue;
                }
                if let Some(pair) = state.verify(ordinal as u32, other) {
                    pairs.push(pair);
                }
            }
        }
        pairs
    }
}

impl State {
    fn index_hash(&self, ordinal: u32) -> matcher::PhotoHash {
        self.index.hash(ordinal)
    }

    /// The verified pair of two known photos, if they are near-duplicates.
    fn verify(&self, a: u32, b: u32) -> Option<PhotoPair> {
        let (pa, pb) = (&self.photos[a as usize], &self.photos[b as usize]);
        if !pb.live || !pa.live || pa.sha256 == pb.sha256 {
            return None;
        }
        let found = near_duplicate(
            (self.index_hash(a), &pa.verify_hash),
            (self.index_hash(b), &pb.verify_hash),
        )?;
        let (left, right) = if pa.sha256 < pb.sha256 {
            (pa, pb)
        } else {
            (pb, pa)
        };
        Some(PhotoPair {
            left_sha: left.sha256.clone(),
            right_sha: right.sha256.clone(),
            search_bits: i64::from(found.search_bits),
            verify_bits: i64::from(found.verify_bits),
            detail_bits: i64::from(found.detail_bits),
        })
    }
}

/// One batch's use of the photo index (see the module documentation).
pub struct PhotoSession {
    matcher: PhotoMatcher,
    added: Vec<String>,
    committed: bool,
}

impl PhotoSession {
    /// Add the slice's new photos, returning the verified pairs each makes
    /// with every photo known before it. A photo already known (the same
    /// bytes stored before) adds nothing: its pairs were found then.
    pub fn add(&mut self, photos: &[PhotoHashes]) -> Vec<PhotoPair> {
        let mut state = self.matcher.lock();
        let mut pairs = Vec::new();
        for photo in photos {
            if state.by_sha.contains_key(&photo.sha256) {
                continue;
            }
            let candidates = state.index.search(photo.search_hash, SEARCH_MAX_BITS);
            let ordinal = state.add(photo);
            self.added.push(photo.sha256.clone());
            for (other, _) in candidates {
                if let Some(pair) = state.verify(ordinal, other) {
                    pairs.push(pair);
                }
            }
        }
        pairs
    }

    /// The batch committed: its photos stay.
    pub fn committed(mut self) {
        self.committed = true;
    }
}

impl Drop for PhotoSession {
    fn drop(&mut self) {
        if self.committed || self.added.is_empty() {
            return;
        }
        let mut state = self.matcher.lock();
        for sha in &self.added {
            if let Some(ordinal) = state.by_sha.remove(sha) {
                state.photos[ordinal as usize].live = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(sha: &str, hash: u64, verify: &str) -> PhotoHashes {
        PhotoHashes {
            sha256: sha.to_owned(),
            search_hash: matcher::PhotoHash(hash),
            verify_hash: verify.to_owned(),
            created_at: "2026-01-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn a_near_duplicate_is_paired_and_a_far_photo_is_not() {
        let matcher = PhotoMatcher::default();
        let mut session = matcher.begin();
        let close_verify = "00".repeat(37);
        let pairs = session.add(&[
            photo("b", 0xFFFF_0000_FFFF_0000, &close_verify),
            photo("a", 0xFFFF_0000_FFFF_0003, &close_verify),
            photo("c", 0x0000_FFFF_0000_FFFF, &close_verify),
        ]);
        assert_eq!(pairs.len(), 1);
        assert_eq!(
            (pairs[0].left_sha.as_str(), pairs[0].right_sha.as_str()),
            ("a", "b")
        );
        assert_eq!(pairs[0].search_bits, 2);
        session.committed();
        assert_eq!(matcher.len(), 3);
        assert_eq!(matcher.all_pairs(), pairs);
    }

    #[test]
    fn a_failed_batch_takes_its_photos_out_again() {
        let matcher = PhotoMatcher::default();
        let verify = "00".repeat(37);
        {
            let mut session = matcher.begin();
            session.add(&[photo("a", 1, &verify)]);
            // Dropped without committed(): the batch failed.
        }
        assert!(matcher.is_empty());
        let mut retry = matcher.begin();
        let pairs = retry.add(&[photo("a", 1, &verify), photo("b", 3, &verify)]);
        assert_eq!(pairs.len(), 1, "the retry searches its photos afresh");
    }
}
