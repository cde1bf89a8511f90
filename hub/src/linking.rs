//! Fuzzy links between merchants: nominees who share no identifier but one
//! premises, a shop-name family, a controller's name on their cards, a photo
//! (SPEC §5, `one_person_many_merchants` / `linked`).
//!
//! The matcher decides whether two merchants are one person
//! ([`matcher::score`]); this module feeds it. It owns the hub's
//! [`CandidateIndex`] (in `<data dir>/index`), which is both the candidate
//! generator and the rarity statistics, and it writes the links it finds to
//! the store (`match_links`), where detection reads them when it grows a
//! linked cluster ([`crate::alerts`]).
//!
//! # Batches
//!
//! A batch is linked slice by slice: the slice's merchants are added to the
//! index and the index is committed, so each merchant's candidates include
//! the rest of its slice and every earlier one; then each merchant is scored
//! against its candidates ([`LinkSession::start`], on a blocking thread
//! while the batch writes on), and the links touching the slice are
//! replaced in the batch's write transaction ([`LinkSession::store_links`]).
//! Candidate queries and scoring run on every core.
//! Only one batch links at a time per hub (the session holds a lock): the
//! index has one writer.
//!
//! # The index is derived state
//!
//! The store is the truth; the index follows it by the store's change
//! sequence, the batch id. A batch's final index commit records its id
//! ([`CandidateIndex::commit_at`]); commits in the middle of a batch record
//! none. [`Linker::catch_up`] (at start-up, and before every batch) then
//! knows what to do:
//!
//! - a recorded id: index the merchants written by later batches (a crash
//!   between the database commit and the index commit, or another hub on
//!   the same PostgreSQL);
//! - no id (a crash in the middle of a batch, an index from an older
//!   schema) or an id the store has not reached (a different database):
//!   index everything again, as a rebuild does (below);
//! - merchants indexed by a batch that then failed in this process are read
//!   again from the store.
//!
//! A stale document can only add a candidate, which is scored against the
//! store's record, or miscount a rarity until the next catch-up; it can
//! never put a link in the store that the store's records do not support.
//!
//! # A rebuild is a bulk load
//!
//! [`Linker::rebuild`] (and a catch-up that indexes everything again) adds
//! every merchant with the index's merges stopped, then merges it into one
//! segment before any query ([`CandidateIndex::clear_for_bulk`],
//! [`CandidateIndex::commit_compacted_at`]): each term of a candidate query
//! is looked up in every segment's term dictionary, and a million queries
//! against the eleven segments a load leaves took almost three times as long
//! (docs/performance.md). A load that fails half-way rolls the index back to
//! its last commit ([`CandidateIndex::rollback`]): otherwise the next commit,
//! a batch's, would publish the clear and the part of the load it reached.
//!
//! # The record cache
//!
//! Scoring needs each candidate's comparable form ([`FuzzyRecord`]), and
//! deriving it (reading the record from the store, parsing its address
//! against the gazetteer, folding its names) cost more than everything else
//! linking does. So the linker keeps the form of every record it indexes,
//! up to [`CACHED_RECORDS`], beside the index and under the same lock; a
//! candidate that is not there is read from the store and derived as
//! before. The cache follows the index exactly: a record replaced in the
//! index is replaced here, a document removed is removed, and the records
//! of a batch that did not commit are dropped with its documents.
//!
//! A hub that restarts finds its index current and its cache empty: until
//! batches fill it, every candidate would be read back from the store inside
//! the batch's transaction. `mhub serve` therefore fills it in the
//! background as soon as it listens ([`Linker::warm_cache`]).

use std::collections::{BTreeSet, HashMap, hash_map};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use matcher::{CandidateIndex, CandidateIndexError, FuzzyRecord, MerchantRecord, Rule};
use thiserror::Error;
use tokio::sync::OwnedMutexGuard;

use crate::store::{LinkRow, Store, StoreError, WriteTx};

/// Candidates scored per merchant. Nominee rings are a handful of shops and
/// their members rank at the top (same door, same family, same controller);
/// the rest of the top are neighbours, scored and dropped.
pub const CANDIDATES: usize = 25;

/// Merchants read per page when (re)indexing.
const PAGE: i64 = 2_000;

/// Comparable forms kept in memory (about 1 KiB each): enough for every
/// merchant of a large deployment. Past it, records are derived again from
/// the store when they are candidates.
pub const CACHED_RECORDS: usize = 2_000_000;

/// Why linking failed.
#[derive(Debug, Error)]
pub enum LinkError {
    /// The candidate index failed.
    #[error(transparent)]
    Index(#[from] CandidateIndexError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task running the index panicked or was cancelled.
    #[error("candidate index task failed: {0}")]
    Task(String),
    /// A panic while the index was locked.
    #[error("candidate index lock poisoned by an earlier panic")]
    Poisoned,
}

/// The hub's fuzzy linker: the candidate index and what it has caught up with.
#[derive(Clone)]
pub struct Linker {
    derived: Arc<Mutex<Derived>>,
    progress: Arc<tokio::sync::Mutex<Progress>>,
    /// The batch id the index last committed at (0: none), kept beside the
    /// index so a metrics scrape reads it without waiting for the index
    /// lock, which a batch holds while it scores a slice.
    committed_at: Arc<AtomicU64>,
    /// How many forms the record cache holds, as of the last work on the
    /// derived state: for metrics, which must not wait for the lock.
    cached_forms: Arc<AtomicU64>,
    /// The folder of a private index ([`Linker::private`]), removed with
    /// the last clone.
    _private: Option<Arc<tempfile::TempDir>>,
}

/// The state derived from the store: the index and the record cache.
struct Derived {
    index: CandidateIndex,
    records: HashMap<u64, Arc<FuzzyRecord>>,
    /// How many forms `records` may hold ([`CACHED_RECORDS`]).
    room: usize,
}

impl Derived {
    /// Index a record and keep its form (while the cache has room).
    fn add(&mut self, record: FuzzyRecord) -> Result<Arc<FuzzyRecord>, CandidateIndexError> {
        self.index.add(&record)?;
        let form = Arc::new(record);
        self.keep(&form);
        Ok(form)
    }

    /// Keep a form in the cache, replacing an older one of its key, while
    /// the cache has room.
    fn keep(&mut self, form: &Arc<FuzzyRecord>) {
        if !self.full() || self.records.contains_key(&form.key()) {
            self.records.insert(form.key(), form.clone());
        }
    }

    /// Whether the cache holds as many forms as its room allows.
    fn full(&self) -> bool {
        self.records.len() >= self.room
    }

    /// Keep the form of each of `page`'s records the cache lacks, while it
    /// has room; how many it kept, and whether the cache is now full.
    fn warm(&mut self, page: &[(i64, MerchantRecord)]) -> (usize, bool) {
        let mut kept = 0;
        for (pk, record) in page {
            if self.full() {
                break;
            }
            if let hash_map::Entry::Vacant(slot) = self.records.entry(*pk as u64) {
                slot.insert(Arc::new(fuzzy_record(*pk, record)));
                kept += 1;
            }
        }
        (kept, self.full())
    }

    /// Remove a record's document and form.
    fn remove(&mut self, key: u64) {
        self.index.remove(key);
        self.records.remove(&key);
    }

    /// Remove every document and form.
    fn clear(&mut self) -> Result<(), CandidateIndexError> {
        self.records.clear();
        self.index.clear()
    }

    /// Remove every document and form, for a bulk load
    /// ([`CandidateIndex::clear_for_bulk`]).
    fn clear_for_bulk(&mut self) -> Result<(), CandidateIndexError> {
        self.records.clear();
        self.index.clear_for_bulk()
    }

    /// Back to the index's last commit after a bulk load failed
    /// ([`CandidateIndex::rollback`]). The forms the load kept may be of
    /// records that commit does not hold, so they go too; candidates are
    /// derived from the store until the cache fills again.
    fn rollback(&mut self) -> Result<(), CandidateIndexError> {
        self.records.clear();
        self.index.rollback()
    }

    /// The keys of the cached forms, by area (the finest division code)
    /// and then key.
    fn keys_by_area(&self) -> Vec<u64> {
        let mut keys: Vec<(&str, u64)> =
            self.records.values().map(|form| area_order(form)).collect();
        keys.sort_unstable();
        keys.into_iter().map(|(_, key)| key).collect()
    }

    /// See [`Linker::candidates`].
    fn candidates(&mut self, pending: Pending) -> Result<Candidates, LinkError> {
        let mut records: Vec<Arc<FuzzyRecord>> = match pending {
            Pending::New(stored) => {
                // Added in the batch's (key) order: a key above every one
                // the index holds is added without a delete.
                let forms = stored
                    .iter()
                    .map(|(pk, record)| self.add(fuzzy_record(*pk, record)))
                    .collect::<Result<Vec<_>, _>>()?;
                // No sequence: a crash before the batch commits leaves an
                // index that says it is current with nothing.
                self.index.commit()?;
                forms
            }
            Pending::Indexed(stored) => stored
                .iter()
                .map(|(pk, record)| match self.records.get(&(*pk as u64)) {
                    Some(form) => form.clone(),
                    None => Arc::new(fuzzy_record(*pk, record)),
                })
                .collect(),
            Pending::Cached(keys) => keys
                .iter()
                .filter_map(|key| self.records.get(key).cloned())
                .collect(),
        };
        // Queried in area order, whatever order they came in.
        records.sort_unstable_by(|a, b| area_order(a).cmp(&area_order(b)));
        let index = &self.index;
        let per_record = in_parallel(&records, |part| {
            let lookup = index.lookup()?;
            part.iter()
                .map(|record| lookup.candidates(record, CANDIDATES))
                .collect::<Result<Vec<_>, _>>()
                .map_err(LinkError::from)
        })?;
        let keys: Vec<u64> = records.iter().map(|r| r.key()).collect();
        let mut forms: HashMap<u64, Arc<FuzzyRecord>> =
            records.into_iter().map(|r| (r.key(), r)).collect();
        let mut to_load = BTreeSet::new();
        for key in per_record.iter().flatten() {
            if forms.contains_key(key) {
                continue;
            }
            match self.records.get(key) {
                Some(form) => {
                    forms.insert(*key, form.clone());
                }
                None => {
                    to_load.insert(*key as i64);
                }
            }
        }
        Ok(Candidates {
            keys,
            per_record,
            forms,
            to_load: to_load.into_iter().collect(),
        })
    }

    /// Score records against their candidates, given the records read from
    /// the store (which join the cache).
    fn score(
        &mut self,
        mut candidates: Candidates,
        others: Vec<(i64, MerchantRecord)>,
    ) -> Result<Vec<LinkRow>, LinkError> {
        for (pk, record) in &others {
            let form = Arc::new(fuzzy_record(*pk, record));
            self.keep(&form);
            candidates.forms.insert(form.key(), form);
        }
        score_all(&self.index, &candidates)
    }
}

/// The order of a run of candidate queries: by area (the finest division
/// code), then key.
///
/// A query's terms carry its area, so the queries of one area can share
/// terms, and a lookup's memo of their document frequencies (and scoring's
/// memo of rarity counts) answers each repeat. A rebuild's pages hold whole
/// areas, and this order made it about a fifth faster (docs/performance.md);
/// a batch's slice holds a few merchants per area, so there it saves little
/// (2.6% of the lookups at 100,000 generated merchants), more when an
/// acquirer's merchants crowd into a few cities. The two threads of
/// [`in_parallel`] take contiguous parts, so in this order they also ask
/// for different areas' terms rather than both for the same ones.
fn area_order(form: &FuzzyRecord) -> (&'static str, u64) {
    (form.area().map_or("", |area| area.as_str()), form.key())
}

/// What the index may have that the store does not.
#[derive(Default)]
struct Progress {
    /// Merchants indexed by a batch of this process that did not commit.
    dirty: BTreeSet<i64>,
    /// The slice being linked in the background ([`LinkSession::start`]),
    /// until its links are stored. It is kept here, not in the session,
    /// because a batch that fails drops its session with the job still
    /// running: whoever takes the progress next waits for that job before
    /// touching the index, so it cannot add its documents after they were
    /// removed as dirty.
    running: Option<Running>,
    /// A bulk load failed and so did the rollback after it: the writer may
    /// hold the clear and part of the load, so the next catch-up indexes
    /// everything again instead of committing on top of them.
    start_over: bool,
}

impl Progress {
    /// Wait until no slice job of an earlier session is using the index;
    /// its links belong to a batch that did not commit.
    async fn settle(&mut self) {
        if let Some(abandoned) = self.running.take() {
            let _ = abandoned.job.await;
        }
    }
}

/// The current records of the merchants a batch after `since` wrote (0:
/// every merchant), read a page of [`PAGE`] at a time in key order, each
/// page starting after the last key of the one before.
struct RecordPages {
    since: i64,
    after: i64,
}

impl RecordPages {
    fn written_after(since: i64) -> RecordPages {
        RecordPages { since, after: 0 }
    }

    /// The next page, or `None` past the last record.
    async fn next(
        &mut self,
        store: &Store,
    ) -> Result<Option<Vec<(i64, MerchantRecord)>>, StoreError> {
        let page = store
            .current_records_page(self.since, self.after, PAGE)
            .await?;
        let Some((last, _)) = page.last() else {
            return Ok(None);
        };
        self.after = *last;
        Ok(Some(page))
    }
}

/// The comparable form of a stored merchant, keyed by its store key.
pub fn fuzzy_record(pk: i64, record: &MerchantRecord) -> FuzzyRecord {
    FuzzyRecord::from_record(pk as u64, record)
        .with_photo_hashes(record.photos.iter().map(|p| p.sha256.clone()))
}

impl Linker {
    /// Open (or create) the index in `dir`. Call [`catch_up`](Self::catch_up)
    /// before serving.
    pub fn open(dir: &Path) -> Result<Linker, LinkError> {
        Ok(Linker::with_index(
            CandidateIndex::open(dir)?,
            None,
            CACHED_RECORDS,
        ))
    }

    /// A new, empty index in a temporary folder inside `parent`, removed
    /// when the linker is dropped: for a tool that runs beside a hub holding
    /// the data directory's own index (`mhub reindex` while `mhub serve`
    /// runs). The store is the same, so what it derives is the same.
    pub fn private(parent: &Path) -> Result<Linker, LinkError> {
        Linker::private_with_cache_room(parent, CACHED_RECORDS)
    }

    /// A [`private`](Self::private) linker whose cache holds at most
    /// `forms` comparable forms: for tests of a store past the cache's
    /// room, which a real one reaches only at millions of merchants.
    #[doc(hidden)]
    pub fn private_with_cache_room(parent: &Path, forms: usize) -> Result<Linker, LinkError> {
        let dir = tempfile::Builder::new()
            .prefix("index-private-")
            .tempdir_in(parent)
            .map_err(|source| CandidateIndexError::CreateDirectory {
                path: parent.to_owned(),
                source,
            })?;
        let index = CandidateIndex::open(dir.path())?;
        Ok(Linker::with_index(index, Some(Arc::new(dir)), forms))
    }

    fn with_index(
        index: CandidateIndex,
        private: Option<Arc<tempfile::TempDir>>,
        room: usize,
    ) -> Linker {
        // An index that cannot say is treated as having recorded nothing,
        // as `catch_up` treats it.
        let committed_at = index.committed_sequence().ok().flatten().unwrap_or(0);
        Linker {
            committed_at: Arc::new(AtomicU64::new(committed_at)),
            cached_forms: Arc::new(AtomicU64::new(0)),
            derived: Arc::new(Mutex::new(Derived {
                index,
                records: HashMap::new(),
                room,
            })),
            progress: Arc::new(tokio::sync::Mutex::new(Progress::default())),
            _private: private,
        }
    }

    /// Run `work` on the derived state on a blocking thread: tantivy's
    /// reads and commits are synchronous I/O and must not stall the async
    /// workers.
    async fn with<T, F>(&self, work: F) -> Result<T, LinkError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Derived) -> Result<T, LinkError> + Send + 'static,
    {
        joined(self.spawn(work).await)
    }

    /// Start `work` on the derived state on a blocking thread, without
    /// waiting for it.
    fn spawn<T, F>(&self, work: F) -> tokio::task::JoinHandle<Result<T, LinkError>>
    where
        T: Send + 'static,
        F: FnOnce(&mut Derived) -> Result<T, LinkError> + Send + 'static,
    {
        let derived = self.derived.clone();
        let cached_forms = self.cached_forms.clone();
        // The blocking thread logs under the request that asked.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut derived = derived.lock().map_err(|_| LinkError::Poisoned)?;
            let done = work(&mut derived);
            cached_forms.store(derived.records.len() as u64, Ordering::Relaxed);
            done
        })
    }

    /// Commit the index as current with batch `batch_id`.
    async fn commit_at(&self, batch_id: i64) -> Result<(), LinkError> {
        self.commit_with(batch_id, CandidateIndex::commit_at).await
    }

    /// Like [`commit_at`](Self::commit_at), merging the index into one
    /// segment (after a bulk load, [`CandidateIndex::clear_for_bulk`]).
    async fn commit_compacted_at(&self, batch_id: i64) -> Result<(), LinkError> {
        self.commit_with(batch_id, CandidateIndex::commit_compacted_at)
            .await
    }

    /// Commit the index with `commit` at batch `batch_id`'s sequence, and
    /// publish that sequence to metrics.
    async fn commit_with(
        &self,
        batch_id: i64,
        commit: fn(&mut CandidateIndex, u64) -> Result<(), CandidateIndexError>,
    ) -> Result<(), LinkError> {
        let sequence = batch_id.max(0) as u64;
        self.with(move |derived| Ok(commit(&mut derived.index, sequence)?))
            .await?;
        self.committed_at.store(sequence, Ordering::Release);
        Ok(())
    }

    /// How many stored batches the index has not caught up with: those
    /// after the one it last committed at. Another hub's batches on the
    /// same PostgreSQL count until this hub's next catch-up (before its next
    /// batch); a batch of this hub between its database commit and its
    /// index commit counts for that moment.
    pub async fn lag(&self, store: &Store) -> Result<i64, LinkError> {
        let committed_at = self.committed_at.load(Ordering::Acquire);
        let after = i64::try_from(committed_at).unwrap_or(i64::MAX);
        Ok(store.count_batches_after(after).await?)
    }

    /// Bring the index up to date with the store (see the module
    /// documentation); returns how many merchants were indexed.
    pub async fn catch_up(&self, store: &Store) -> Result<usize, LinkError> {
        let mut progress = self.progress.lock().await;
        self.catch_up_locked(store, &mut progress).await
    }

    async fn catch_up_locked(
        &self,
        store: &Store,
        progress: &mut Progress,
    ) -> Result<usize, LinkError> {
        progress.settle().await;
        let last = store.last_batch_id().await?;
        let recorded = match progress.start_over {
            true => None,
            false => {
                self.with(|derived| Ok(derived.index.committed_sequence()?))
                    .await?
            }
        };
        // Everything again, when there is anything: a bulk load, merged
        // into one segment at the end as a rebuild's is.
        let mut bulk = false;
        // What failed batches left in the last commit, kept aside while
        // everything is indexed again: they are still in it if the load
        // fails and is rolled back.
        let mut dirty_before = std::collections::BTreeSet::new();
        let since = match recorded.and_then(|s| i64::try_from(s).ok()) {
            Some(s) if s <= last => s,
            _ => {
                bulk = last > 0;
                self.with(move |derived| match bulk {
                    true => Ok(derived.clear_for_bulk()?),
                    false => Ok(derived.clear()?),
                })
                .await?;
                dirty_before = std::mem::take(&mut progress.dirty);
                0
            }
        };
        if since == last && progress.dirty.is_empty() {
            return Ok(0);
        }
        let indexed = self.index_since(store, progress, since, last, bulk).await;
        if bulk && indexed.is_err() {
            self.roll_back(progress).await;
            progress.dirty = dirty_before;
        }
        let indexed = indexed?;
        progress.dirty.clear();
        progress.start_over = false;
        if indexed > 0 {
            tracing::info!(since, last, indexed, "candidate index caught up");
        }
        Ok(indexed)
    }

    /// A catch-up's indexing, once it knows where to start (`since`, 0
    /// after a clear): the dirty records again, every merchant written
    /// after `since`, and the commit at `last` (merged into one segment
    /// after a bulk load).
    async fn index_since(
        &self,
        store: &Store,
        progress: &Progress,
        since: i64,
        last: i64,
        bulk: bool,
    ) -> Result<usize, LinkError> {
        let dirty: Vec<i64> = progress.dirty.iter().copied().collect();
        let records = store.current_records(&dirty).await?;
        let mut indexed = records.len();
        self.with(move |derived| {
            for pk in dirty {
                derived.remove(pk as u64);
            }
            for (pk, record) in &records {
                derived.add(fuzzy_record(*pk, record))?;
            }
            Ok(())
        })
        .await?;
        indexed += self.index_written_after(store, since, |_| {}).await?;
        if bulk {
            self.commit_compacted_at(last).await?;
        } else {
            self.commit_at(last).await?;
        }
        Ok(indexed)
    }

    /// A bulk load failed: give the index back its last commit, so that
    /// the next commit (a batch's, after a catch-up that goes on from that
    /// commit) cannot publish the clear and the part of the load the
    /// writer buffered. If the rollback fails too, the next catch-up
    /// starts over ([`Progress::start_over`]).
    async fn roll_back(&self, progress: &mut Progress) {
        if let Err(error) = self.with(|derived| Ok(derived.rollback()?)).await {
            tracing::error!(%error, "candidate index: the rollback after a failed bulk load failed");
            progress.start_over = true;
        }
    }

    /// Add every merchant written by a batch after `since` (uncommitted).
    /// Each page of records passes through `each_page` first.
    async fn index_written_after(
        &self,
        store: &Store,
        since: i64,
        mut each_page: impl FnMut(&[(i64, MerchantRecord)]) + Send,
    ) -> Result<usize, LinkError> {
        let mut pages = RecordPages::written_after(since);
        let mut indexed = 0;
        // The next page is read while the last one is derived and indexed:
        // reading is the store's work and JSON decoding on an async worker,
        // indexing the blocking thread's and tantivy's, so the two can
        // overlap (docs/performance.md has what that saved). The page
        // being indexed is waited for before anything else happens, a
        // failed read included, so that no add outlives this call.
        let mut indexing = None;
        loop {
            let next = pages.next(store).await;
            if let Some(job) = indexing.take() {
                joined(job.await)?;
            }
            let Some(page) = next? else {
                return Ok(indexed);
            };
            indexed += page.len();
            each_page(&page);
            indexing = Some(self.spawn(move |derived| {
                for (pk, record) in &page {
                    derived.add(fuzzy_record(*pk, record))?;
                }
                Ok(())
            }));
        }
    }

    /// How many comparable forms the record cache holds (see the module
    /// documentation), as of the last work on the index.
    pub fn cached_forms(&self) -> u64 {
        self.cached_forms.load(Ordering::Relaxed)
    }

    /// Fill the record cache with the form of every current merchant it
    /// lacks, a page at a time, until it has them all or is full; returns
    /// how many forms it added.
    ///
    /// For a hub that starts on an index that is already current (a
    /// restart): its cache is empty, and until batches fill it each
    /// candidate is read back from the store and derived again inside the
    /// batch's transaction. A 10,000-merchant batch onto 1,000,000 took
    /// three times as long on a restarted hub as on the one that had
    /// ingested them (docs/performance.md). `mhub serve` runs this in the
    /// background once it listens.
    ///
    /// Each page is read and kept under the batch lock, after a catch-up:
    /// no batch of this hub is between its writes and its commit meanwhile,
    /// so a page holds the records the index holds, and a form the cache
    /// already has is never older than the page's. A batch waits for one
    /// page at most.
    pub async fn warm_cache(&self, store: &Store) -> Result<usize, LinkError> {
        let mut pages = RecordPages::written_after(0);
        let mut kept = 0;
        loop {
            let mut progress = self.progress.lock().await;
            self.catch_up_locked(store, &mut progress).await?;
            let Some(page) = pages.next(store).await? else {
                return Ok(kept);
            };
            let (added, full) = self.with(move |derived| Ok(derived.warm(&page))).await?;
            kept += added;
            if full {
                return Ok(kept);
            }
        }
    }

    /// Start linking a batch: waits for any other batch, then catches up.
    pub async fn begin(&self, store: &Store) -> Result<LinkSession, LinkError> {
        let mut progress = self.progress.clone().lock_owned().await;
        self.catch_up_locked(store, &mut progress).await?;
        Ok(LinkSession {
            linker: self.clone(),
            progress,
        })
    }

    /// Rebuild the index from the store and every link from the index
    /// (`mhub reindex`), writing the links in `tx`. Returns the number of
    /// links. Every current record passes through `each_page` once, in key
    /// order, on its way into the index: the caller's look at every
    /// merchant without reading the store once more.
    pub async fn rebuild(
        &self,
        store: &Store,
        tx: &mut WriteTx,
        each_page: impl FnMut(&[(i64, MerchantRecord)]) + Send,
    ) -> Result<usize, LinkError> {
        let mut progress = self.progress.lock().await;
        progress.settle().await;
        let last = store.last_batch_id().await?;
        let started = std::time::Instant::now();
        self.with(|derived| Ok(derived.clear_for_bulk()?)).await?;
        let loaded = async {
            let indexed = self.index_written_after(store, 0, each_page).await?;
            tracing::info!(
                indexed,
                seconds = started.elapsed().as_secs_f64(),
                "rebuild: merchants indexed"
            );
            let started = std::time::Instant::now();
            self.commit_compacted_at(last).await?;
            Ok::<_, LinkError>((indexed, started))
        }
        .await;
        let (indexed, started) = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                // The dirty records stay dirty: the last commit has them.
                self.roll_back(&mut progress).await;
                return Err(error);
            }
        };
        progress.dirty.clear();
        progress.start_over = false;
        tracing::info!(
            seconds = started.elapsed().as_secs_f64(),
            "rebuild: candidate index committed in one segment"
        );
        let started = std::time::Instant::now();

        tx.clear_links().await?;
        // The cached records in area order ([`area_order`]), so that each
        // page holds whole areas.
        let by_area = self.with(|derived| Ok(derived.keys_by_area())).await?;
        let mut links = 0;
        for keys in by_area.chunks(PAGE as usize) {
            let pending = Pending::Cached(keys.to_vec());
            links += self.link_stored(store, tx, pending).await?;
        }
        let linked = |links: usize| {
            tracing::info!(
                links,
                seconds = started.elapsed().as_secs_f64(),
                "rebuild: merchants linked"
            );
            links
        };
        if by_area.len() == indexed {
            return Ok(linked(links));
        }
        // Past the cache's room: the rest, in key order from the store.
        let cached: std::collections::HashSet<u64> = by_area.into_iter().collect();
        let mut pages = RecordPages::written_after(0);
        while let Some(page) = pages.next(store).await? {
            let rest: Vec<_> = page
                .into_iter()
                .filter(|(pk, _)| !cached.contains(&(*pk as u64)))
                .collect();
            links += self.link_stored(store, tx, Pending::Indexed(rest)).await?;
        }
        Ok(linked(links))
    }

    /// Link records already in the index, writing their links in `tx`;
    /// the number of links not already written (a pair is found from both
    /// of its merchants, and their slices may differ).
    async fn link_stored(
        &self,
        store: &Store,
        tx: &mut WriteTx,
        pending: Pending,
    ) -> Result<usize, LinkError> {
        let candidates = self.candidates(pending).await?;
        let others = store.current_records(&candidates.to_load).await?;
        let found = self.score(candidates, others).await?;
        Ok(tx.insert_links(&found).await? as usize)
    }

    /// The candidates of each record (adding the records to the index
    /// first, when they are new), with the forms of the records and
    /// candidates the cache holds, and the keys of those it does not: the
    /// records to read from the store before scoring.
    async fn candidates(&self, pending: Pending) -> Result<Candidates, LinkError> {
        self.with(move |derived| derived.candidates(pending)).await
    }

    /// Score records against their candidates, given the records read from
    /// the store (which join the cache).
    async fn score(
        &self,
        candidates: Candidates,
        others: Vec<(i64, MerchantRecord)>,
    ) -> Result<Vec<LinkRow>, LinkError> {
        self.with(move |derived| derived.score(candidates, others))
            .await
    }

    /// Merchants whose name or address is most like `text`, best first.
    pub async fn search(&self, text: String, limit: usize) -> Result<Vec<(i64, f32)>, LinkError> {
        self.with(move |derived| {
            Ok(derived
                .index
                .search(&text, limit)?
                .into_iter()
                .map(|(key, score)| (key as i64, score))
                .collect())
        })
        .await
    }
}

/// The records to link: new ones of a batch, or ones already indexed (a
/// rebuild).
enum Pending {
    /// New records of a batch: added to the index first.
    New(Vec<(i64, MerchantRecord)>),
    /// Stored records already indexed (a rebuild); their forms come from
    /// the cache, or are derived from the records.
    Indexed(Vec<(i64, MerchantRecord)>),
    /// Records already indexed whose forms the cache holds, by key (a
    /// rebuild).
    Cached(Vec<u64>),
}

/// Records with their candidates.
struct Candidates {
    /// The records' keys.
    keys: Vec<u64>,
    /// `per_record[i]`: the candidates of `keys[i]`.
    per_record: Vec<Vec<u64>>,
    /// The forms at hand, of records and candidates.
    forms: HashMap<u64, Arc<FuzzyRecord>>,
    /// Keys of records and candidates whose form is not at hand.
    to_load: Vec<i64>,
}

/// One batch's use of the linker (see [`Linker::begin`]).
///
/// A slice is linked in two steps, so that the CPU work of linking runs on
/// the other core while the batch goes on writing: [`start`](Self::start)
/// hands the slice to a blocking thread (forms, index, candidate queries,
/// scoring: no database), and [`store_links`](Self::store_links), called
/// when the batch next needs the links (its next slice, or its end), waits
/// for that job and writes the links in the batch's transaction.
pub struct LinkSession {
    linker: Linker,
    progress: OwnedMutexGuard<Progress>,
}

/// A slice being linked in the background.
struct Running {
    pks: Vec<i64>,
    job: tokio::task::JoinHandle<Result<Linked, LinkError>>,
}

/// What a slice job found.
enum Linked {
    /// Every candidate's form was at hand: the links.
    Scored(Vec<LinkRow>),
    /// Some candidates are not in the record cache (past
    /// [`CACHED_RECORDS`]): they are read in the batch's transaction, then
    /// scored.
    Unscored(Candidates),
}

impl LinkSession {
    /// Start linking a slice of the batch's stored merchants: index them
    /// and find their links on a blocking thread. The links are written by
    /// the next [`store_links`](Self::store_links), which must come before
    /// the next `start` (each slice's candidates include the one before).
    pub fn start(&mut self, slice: Vec<(i64, MerchantRecord)>) {
        debug_assert!(
            self.progress.running.is_none(),
            "store_links before the next start"
        );
        if slice.is_empty() {
            return;
        }
        let pks: Vec<i64> = slice.iter().map(|(pk, _)| *pk).collect();
        // Until the batch commits, these documents are ahead of the store.
        self.progress.dirty.extend(pks.iter().copied());
        let job = self.linker.spawn(move |derived| {
            let candidates = derived.candidates(Pending::New(slice))?;
            if candidates.to_load.is_empty() {
                Ok(Linked::Scored(derived.score(candidates, Vec::new())?))
            } else {
                Ok(Linked::Unscored(candidates))
            }
        });
        self.progress.running = Some(Running { pks, job });
    }

    /// Wait for the slice started last, if any, and store its links in
    /// `tx` (replacing any links its merchants had).
    pub async fn store_links(&mut self, tx: &mut WriteTx) -> Result<(), LinkError> {
        let Some(running) = self.progress.running.as_mut() else {
            return Ok(());
        };
        // Awaited in place, and taken only once it is done: if the batch is
        // cancelled during this wait (its client went away), the job stays
        // in the progress for the next session to settle.
        let linked = joined((&mut running.job).await);
        let pks = std::mem::take(&mut running.pks);
        self.progress.running = None;
        let links = match linked? {
            Linked::Scored(links) => links,
            Linked::Unscored(candidates) => {
                let others = tx.current_records(&candidates.to_load).await?;
                self.linker.score(candidates, others).await?
            }
        };
        tx.replace_links(&pks, &links).await?;
        Ok(())
    }

    /// The batch committed: record that the index is current with it.
    pub async fn committed(mut self, batch_id: i64) -> Result<(), LinkError> {
        debug_assert!(
            self.progress.running.is_none(),
            "links stored before the commit"
        );
        self.linker.commit_at(batch_id).await?;
        self.progress.dirty.clear();
        Ok(())
    }
}

/// The result of a blocking job, or why it has none.
fn joined<T>(result: Result<Result<T, LinkError>, tokio::task::JoinError>) -> Result<T, LinkError> {
    result.map_err(|e| LinkError::Task(e.to_string()))?
}

/// Score each record against its candidates, each pair once. A key with
/// no form is a document the store no longer backs, and is skipped.
///
/// The records are scored in parallel parts ([`in_parallel`]); a pair whose
/// two ends fall in different parts is scored in both and kept once, where
/// it comes first. Scoring is symmetric and each part counts rarity at the
/// same commit, so the links and their order are those of one pass.
fn score_all(index: &CandidateIndex, candidates: &Candidates) -> Result<Vec<LinkRow>, LinkError> {
    let forms = &candidates.forms;
    let work: Vec<(&u64, &Vec<u64>)> = candidates.keys.iter().zip(&candidates.per_record).collect();
    let found = in_parallel(&work, |part| {
        // Counts do not change while a slice is scored: ask the index once per key.
        let lookup = index.lookup()?;
        let frequencies = matcher::Memoised::new(&lookup);
        let mut pairs = BTreeSet::new();
        let mut links = Vec::new();
        for (key, others) in part {
            let Some(a) = forms.get(key) else { continue };
            for other in others.iter() {
                if !pairs.insert((*(*key).min(other), *(*key).max(other))) {
                    continue;
                }
                let Some(b) = forms.get(other) else {
                    continue;
                };
                let Some(link) = matcher::score(a, b, &frequencies) else {
                    continue;
                };
                // One legal representative is the exact case, found by its
                // document token; a stored link would only repeat it.
                let Some(rule) = link.explanation.rule.filter(|r| *r != Rule::SameLegalRep) else {
                    continue;
                };
                links.push(LinkRow {
                    left_pk: link.left as i64,
                    right_pk: link.right as i64,
                    rule: rule.as_str().to_owned(),
                    score: link.score,
                    explanation: serde_json::to_string(&link.explanation)
                        .map_err(StoreError::from)?,
                });
            }
        }
        Ok(links)
    })?;
    let mut kept = BTreeSet::new();
    Ok(found
        .into_iter()
        .filter(|link| kept.insert((link.left_pk, link.right_pk)))
        .collect())
}

/// Fewest items a thread of [`in_parallel`] is given: below it, a thread
/// costs more than it saves (a one-row upload, a test).
const MIN_PART: usize = 256;

/// `work` over `items` cut into one contiguous part per core, each part on
/// a thread of its own, the results joined in order.
///
/// Linking runs on a blocking thread with the index locked, and its
/// candidate queries and scoring are pure CPU over one commit, so the
/// other core would otherwise idle while a slice is linked (the SQLite
/// writes it waits for are done by then). Scoped threads borrow the index
/// and the slice directly; nothing is copied into them.
fn in_parallel<T, R, F>(items: &[T], work: F) -> Result<Vec<R>, LinkError>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> Result<Vec<R>, LinkError> + Sync,
{
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = cores.min(items.len() / MIN_PART).max(1);
    if parts == 1 {
        return work(items);
    }
    let size = items.len().div_ceil(parts);
    std::thread::scope(|scope| {
        let work = &work;
        let threads: Vec<_> = items
            .chunks(size)
            .map(|part| scope.spawn(move || work(part)))
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for thread in threads {
            let part = thread
                .join()
                .map_err(|_| LinkError::Task("a linking thread panicked".into()))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// A stored link's other end, seen from `pk`.
pub fn other_end(link: &LinkRow, pk: i64) -> i64 {
    if link.left_pk == pk {
        link.right_pk
    } else {
        link.left_pk
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_parts_come_back_in_order() {
        let items: Vec<u32> = (0..10 * MIN_PART as u32).collect();
        let threads = Mutex::new(std::collections::HashSet::new());
        let doubled = in_parallel(&items, |part| {
            threads.lock().unwrap().insert(std::thread::current().id());
            Ok(part.iter().map(|n| n * 2).collect())
        })
        .unwrap();
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(threads.lock().unwrap().len(), cores.min(10));
    }

    #[test]
    fn a_small_slice_stays_on_the_calling_thread() {
        let caller = std::thread::current().id();
        let items = vec![1u8; MIN_PART];
        let out = in_parallel(&items, |part| {
            assert_eq!(std::thread::current().id(), caller);
            Ok(part.to_vec())
        })
        .unwrap();
        assert_eq!(out.len(), MIN_PART);
    }

    #[test]
    fn a_failing_or_panicking_part_fails_the_whole() {
        let items: Vec<usize> = (0..4 * MIN_PART).collect();
        let failed = in_parallel(&items, |part| {
            if part.contains(&(4 * MIN_PART - 1)) {
                return Err(LinkError::Poisoned);
            }
            Ok(part.to_vec())
        });
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(matches!(failed, Err(LinkError::Poisoned)));
        if cores > 1 {
            let panicked = in_parallel(&items, |part| -> Result<Vec<usize>, LinkError> {
                assert!(!part.contains(&0), "deliberate");
                Ok(part.to_vec())
            });
            assert!(matches!(panicked, Err(LinkError::Task(_))));
        }
    }
}
