//! Near-duplicate photos across every merchant (SPEC §6, `shared_photo`).
//!
//! The band index over all stored photos' search hashes lives in memory
//! ([`matcher::PhotoIndex`]), loaded from the store at start-up and extended
//! as batches store photos: 8 bytes a photo in the buckets plus its content
//! hash, so 1,000,000 photos cost about 150 MB, and a search reads a few
//! thousand bucket entries instead of the collection. Each new photo is
//! searched against every photo known before it; the candidates are
//! confirmed by correlating thumbnails ([`matcher::near_duplicate`]), read
//! from the store for the photos of earlier batches, and the confirmed pairs
//! go to the store (`photo_pairs`), where detection reads them.
//!
//! The index is derived state, like the candidate index: a batch's photos
//! join it while the batch runs (so its later rows find its earlier ones),
//! and a batch that does not commit takes them out again when its
//! [`PhotoSession`] is dropped, so a retry searches them afresh. Before each
//! batch the index catches up with batches another hub on the same
//! PostgreSQL committed ([`PhotoMatcher::catch_up`]), by the store's change
//! sequence, the batch id.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use matcher::{PhotoHash, PhotoIndex, SEARCH_MAX_BITS, Thumbnail, near_duplicate};

use crate::store::{PhotoHashes, PhotoPair, Store, StoreError, WriteTx};

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
    /// Content hash by ordinal in the index.
    shas: Vec<String>,
    /// False once a batch that added the photo failed: searches skip it.
    live: Vec<bool>,
    /// Ordinal of each live photo.
    by_sha: HashMap<String, u32>,
    /// The newest batch whose photos are known (at the last load or catch-up).
    batch: i64,
}

/// Two photos whose search hashes are close: to be confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// One photo.
    pub a: String,
    /// The other.
    pub b: String,
    /// Their search hashes.
    pub hashes: (PhotoHash, PhotoHash),
}

impl State {
    fn add(&mut self, sha256: &str, hash: PhotoHash) -> u32 {
        let ordinal = self.index.add(hash);
        self.shas.push(sha256.to_owned());
        self.live.push(true);
        self.by_sha.insert(sha256.to_owned(), ordinal);
        ordinal
    }

    /// Live photos within the search radius of `hash`, other than `ordinal`.
    fn candidates(&self, ordinal: u32, hash: PhotoHash) -> impl Iterator<Item = Candidate> + '_ {
        self.index
            .search(hash, SEARCH_MAX_BITS)
            .into_iter()
            .filter(move |(other, _)| *other != ordinal && self.live[*other as usize])
            .filter(move |(other, _)| self.shas[*other as usize] != self.shas[ordinal as usize])
            .map(move |(other, _)| Candidate {
                a: self.shas[ordinal as usize].clone(),
                b: self.shas[other as usize].clone(),
                hashes: (hash, self.index.hash(other)),
            })
    }
}

impl PhotoMatcher {
    /// Load every stored photo's search hash.
    pub async fn load(store: &Store) -> Result<PhotoMatcher, StoreError> {
        let matcher = PhotoMatcher::default();
        // Read before the photos: a batch committed meanwhile is read again
        // by the next catch-up, and known photos are skipped.
        matcher.lock().batch = store.last_batch_id().await?;
        let mut after = String::new();
        loop {
            let page = store.photo_hashes_page(&after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.sha256.clone();
            let mut state = matcher.lock();
            for photo in &page {
                if !state.by_sha.contains_key(&photo.sha256) {
                    state.add(&photo.sha256, photo.search_hash);
                }
            }
        }
        Ok(matcher)
    }

    /// Add the photos of batches committed since the last load or catch-up
    /// (by another hub on the same store); returns how many were new.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, StoreError> {
        let last = store.last_batch_id().await?;
        let since = self.lock().batch;
        if last <= since {
            return Ok(0);
        }
        let photos = store.photo_hashes_since(since).await?;
        let mut state = self.lock();
        let mut added = 0;
        for photo in &photos {
            if !state.by_sha.contains_key(&photo.sha256) {
                state.add(&photo.sha256, photo.search_hash);
                added += 1;
            }
        }
        state.batch = state.batch.max(last);
        Ok(added)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Every write is a push or a flag: a panic elsewhere cannot leave
        // the state half-written, so a poisoned lock is still good.
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

    /// Every candidate pair among the known photos, each once (`mhub
    /// reindex` confirms them with [`confirm`]).
    pub fn all_candidates(&self) -> Vec<Candidate> {
        let state = self.lock();
        let mut out = Vec::new();
        for ordinal in 0..state.shas.len() as u32 {
            if !state.live[ordinal as usize] {
                continue;
            }
            let hash = state.index.hash(ordinal);
            out.extend(
                state
                    .candidates(ordinal, hash)
                    .filter(|c| state.by_sha.get(&c.b).is_some_and(|o| *o < ordinal)),
            );
        }
        out
    }
}

/// One batch's use of the photo index (see the module documentation).
pub struct PhotoSession {
    matcher: PhotoMatcher,
    added: Vec<String>,
    committed: bool,
}

impl PhotoSession {
    /// Add the slice's new photos, returning the candidates each makes with
    /// every photo known before it. A photo already known (the same bytes
    /// stored before) adds nothing: its pairs were found then.
    pub fn add(&mut self, photos: &[PhotoHashes]) -> Vec<Candidate> {
        let mut state = self.matcher.lock();
        let mut out = Vec::new();
        for photo in photos {
            if state.by_sha.contains_key(&photo.sha256) {
                continue;
            }
            let ordinal = state.add(&photo.sha256, photo.search_hash);
            self.added.push(photo.sha256.clone());
            out.extend(state.candidates(ordinal, photo.search_hash));
        }
        out
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
                state.live[ordinal as usize] = false;
            }
        }
    }
}

/// The candidates confirmed by their thumbnails, as pairs to store.
/// `known` holds thumbnails already at hand (the slice's own); the others
/// are read in `tx`. A photo without a thumbnail confirms nothing.
pub async fn confirm(
    tx: &mut WriteTx,
    candidates: &[Candidate],
    known: &HashMap<String, Thumbnail>,
) -> Result<Vec<PhotoPair>, StoreError> {
    let missing: Vec<String> = candidates
        .iter()
        .flat_map(|c| [&c.a, &c.b])
        .filter(|sha| !known.contains_key(*sha))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let read: HashMap<String, Thumbnail> =
        tx.photo_thumbnails(&missing).await?.into_iter().collect();
    let thumbnail = |sha: &str| known.get(sha).or_else(|| read.get(sha));
    let mut pairs: Vec<PhotoPair> = Vec::new();
    for c in candidates {
        let (Some(ta), Some(tb)) = (thumbnail(&c.a), thumbnail(&c.b)) else {
            continue;
        };
        let Some(found) = near_duplicate((c.hashes.0, ta), (c.hashes.1, tb)) else {
            continue;
        };
        let (left, right) = if c.a < c.b {
            (&c.a, &c.b)
        } else {
            (&c.b, &c.a)
        };
        pairs.push(PhotoPair {
            left_sha: left.clone(),
            right_sha: right.clone(),
            search_bits: i64::from(found.search_bits),
            similarity: found.similarity,
        });
    }
    pairs.sort_by(|x, y| (&x.left_sha, &x.right_sha).cmp(&(&y.left_sha, &y.right_sha)));
    pairs.dedup_by(|x, y| x.left_sha == y.left_sha && x.right_sha == y.right_sha);
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(sha: &str, hash: u64) -> PhotoHashes {
        PhotoHashes {
            sha256: sha.to_owned(),
            search_hash: PhotoHash(hash),
        }
    }

    #[test]
    fn close_hashes_are_candidates_and_far_ones_are_not() {
        let matcher = PhotoMatcher::default();
        let mut session = matcher.begin();
        let found = session.add(&[
            photo("b", 0xFFFF_0000_FFFF_0000),
            photo("a", 0xFFFF_0000_FFFF_0003),
            photo("c", 0x0000_FFFF_0000_FFFF),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].a.as_str(), found[0].b.as_str()), ("a", "b"));
        session.committed();
        assert_eq!(matcher.len(), 3);
        let all = matcher.all_candidates();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].a.as_str(), all[0].b.as_str()), ("a", "b"));
    }

    #[test]
    fn a_failed_batch_takes_its_photos_out_again() {
        let matcher = PhotoMatcher::default();
        {
            let mut session = matcher.begin();
            session.add(&[photo("a", 1)]);
            // Dropped without committed(): the batch failed.
        }
        assert!(matcher.is_empty());
        let mut retry = matcher.begin();
        let found = retry.add(&[photo("a", 1), photo("b", 3)]);
        assert_eq!(found.len(), 1, "the retry searches its photos afresh");
    }
}
