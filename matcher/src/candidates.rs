//! Candidate generation for fuzzy matching: which stored merchants are worth
//! scoring against a record, found through an inverted index, never by
//! scanning every merchant (SPEC §5, §10, §12).
//!
//! [`CandidateIndex`] is a tantivy index with one document per merchant,
//! keyed by the caller's `u64` key:
//!
//! | field | terms |
//! |---|---|
//! | `key` | the caller's key: indexed (for deletes), fast (read back per hit) |
//! | `name` | `area|gram` for each character 2-gram of the name core (`440304|老王`) |
//! | `address` | `area|gram` for each 2-gram of the address remainder (`440304|18`, `440304|8号`) |
//! | `family` | `area|family` (`440304|王烟酒`) |
//! | `person` | `city|holder:name` for a personal card's holder who is not the legal rep ([`FuzzyRecord::controller`]) and `city|rep:name` for the legal rep |
//! | `text` | 2-grams of the name core and the address remainder *without* an area: free-text search across the country ([`CandidateIndex::search`]) |
//! | `freq` | `field|key` for each of [`FuzzyRecord::frequency_keys`]: the index is also the rarity statistics ([`Frequencies`], answered by a [`Lookup`]) |
//!
//! `area` is the finest division code ([`FuzzyRecord::area`], `-` when
//! unknown) and `city` the prefecture ([`FuzzyRecord::city_area`]).
//!
//! Chinese has no spaces between words, so text is cut into character
//! n-grams (tantivy's `NgramTokenizer::new(1, 2, false)`, keeping the
//! 2-grams, or the single character of a one-character text): `华强北路18号`
//! gives `华强`, `强北`, `北路`, `路1`, `18`, `8号`. No dictionary to ship, no
//! segmentation errors on shop names no dictionary knows (`老王`, `王记`), and
//! digits stay whole enough to tell door numbers apart. Single characters
//! (`路`, `号`) would be on nearly every document and are not indexed.
//!
//! Every term carries its district (or city) as a prefix, so a term's
//! postings list only that district's merchants: the restriction to the
//! record's district is in the terms themselves, a query never touches
//! another district's postings, and its cost does not grow with the number
//! of stored merchants elsewhere. BM25's idf is then the rarity of a 2-gram
//! *within the district*, which is the rarity that matters for premises.
//!
//! A query ([`CandidateIndex::candidates`]) is one union of the record's
//! terms: name and address 2-grams and the family (boosted ×2) in its area,
//! and in its city the person terms that tie it to a controller (its
//! controller as another merchant's controller or legal rep, its legal rep
//! as another merchant's controller). The caller scores the top `limit`.
//!
//! Rarity: the number of live documents carrying a `freq` term is the
//! document frequency scoring asks for, so the statistics are as current as
//! the last commit, with no second copy to keep in step. Counting stops at
//! [`COMMON_DF`]: past it a value is worth nothing anyway, and a mall's
//! thousand shops cost no more to count than a hundred.
//!
//! Persistence: the index lives in RAM ([`CandidateIndex::in_ram`], tests
//! and small deployments) or in a directory the caller names
//! ([`CandidateIndex::open`]); opening that directory is the only I/O
//! matcher does. It is derived state: the hub records the store's change
//! sequence with each commit ([`CandidateIndex::commit_at`]) and replays
//! what came after [`CandidateIndex::committed_sequence`] at start-up.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::indexer::IndexWriterOptions;
use tantivy::query::{Bm25StatisticsProvider, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{NgramTokenizer, TextAnalyzer, TokenStream};
use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument,
    Term,
};

use crate::frequency::{COMMON_DF, Frequencies, FrequencyField};
use crate::fuzzy::FuzzyRecord;

/// Memory the writer may use before it flushes a segment (tantivy needs at
/// least 15 MB).
const WRITER_MEMORY_BUDGET: usize = 64 * 1024 * 1024;

/// The writer's indexing threads: one.
///
/// Each indexing thread writes a segment of its own at every commit, and a
/// batch commits once per slice: with a thread per core, every slice left
/// two half-size segments, which every candidate query then looked up
/// (each term, in each segment's term dictionary) and the merge policy
/// rewrote once more on their way to the large ones. Indexing was about a
/// twentieth of ingest's time in a profile; the merges and the lookups
/// were half of it (docs/performance.md). One thread also flushes a bulk
/// load half as often, with the same memory.
const INDEXING_THREADS: usize = 1;

/// Term for an unknown area or city.
const UNKNOWN_AREA: &str = "-";

/// Boost of the family term against name and address n-grams.
const FAMILY_BOOST: f32 = 2.0;

/// Why the candidate index failed. Not part of [`crate::Error`], which
/// gathers validation errors of input values.
#[derive(Debug, thiserror::Error)]
pub enum CandidateIndexError {
    /// The index directory could not be created.
    #[error("cannot create candidate index directory {path}: {source}")]
    CreateDirectory {
        /// The directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The index directory could not be opened.
    #[error("cannot open candidate index directory: {0}")]
    OpenDirectory(#[from] tantivy::directory::error::OpenDirectoryError),
    /// tantivy failed (I/O, a lock held by another writer, a schema from
    /// another version of this code).
    #[error("candidate index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A document has no key (the directory holds another index).
    #[error("candidate index: a document has no key")]
    MissingKey,
    /// The commit payload is not a sequence number.
    #[error("candidate index: commit payload {0:?} is not a sequence number")]
    Payload(String),
}

impl CandidateIndexError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CandidateIndexError::CreateDirectory { .. } => "candidate_index_directory",
            CandidateIndexError::OpenDirectory(_) => "candidate_index_directory",
            CandidateIndexError::Index(_) => "candidate_index",
            CandidateIndexError::MissingKey => "candidate_index_corrupt",
            CandidateIndexError::Payload(_) => "candidate_index_corrupt",
        }
    }

    /// Whether another writer (another hub process) holds the directory.
    pub fn is_locked(&self) -> bool {
        matches!(
            self,
            CandidateIndexError::Index(tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _
            ))
        )
    }
}

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
struct Fields {
    key: Field,
    name: Field,
    address: Field,
    family: Field,
    person: Field,
    text: Field,
    freq: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        // Terms are made here (`area|gram`) and written space-separated,
        // one value per field (cheaper to index than one value per term);
        // they never contain whitespace (name cores, remainders and person
        // keys are letters, digits and `-`), so tantivy's built-in
        // "whitespace" tokenizer gives them back unchanged.
        let terms = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("whitespace")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            key: b.add_u64_field("key", INDEXED | FAST),
            name: b.add_text_field("name", terms.clone()),
            address: b.add_text_field("address", terms.clone()),
            family: b.add_text_field("family", terms.clone()),
            person: b.add_text_field("person", terms.clone()),
            text: b.add_text_field("text", terms),
            // Frequency keys may hold spaces (a foreign legal rep's name):
            // one untokenised value per key.
            freq: b.add_text_field(
                "freq",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer("raw")
                        .set_index_option(IndexRecordOption::Basic),
                ),
            ),
        };
        (b.build(), fields)
    }

    fn from_schema(schema: &Schema) -> Result<Fields, CandidateIndexError> {
        let f = |name: &str| schema.get_field(name).map_err(CandidateIndexError::from);
        Ok(Fields {
            key: f("key")?,
            name: f("name")?,
            address: f("address")?,
            family: f("family")?,
            person: f("person")?,
            text: f("text")?,
            freq: f("freq")?,
        })
    }
}

/// The terms of one record, shared by indexing and querying so the two
/// can never disagree.
#[derive(Debug, Default)]
struct Terms {
    name: Vec<String>,
    address: Vec<String>,
    family: Option<String>,
    /// Terms this record is indexed under.
    person: Vec<String>,
    /// Terms that find this record's controller elsewhere.
    person_query: Vec<String>,
    /// Unscoped name and address 2-grams, for free-text search.
    text: Vec<String>,
}

/// An inverted index of merchants for candidate generation (see the module
/// documentation). Writes are buffered until [`commit`](Self::commit);
/// [`candidates`](Self::candidates) sees the last commit.
pub struct CandidateIndex {
    index: Index,
    writer: IndexWriter,
    reader: IndexReader,
    fields: Fields,
    analyzer: TextAnalyzer,
    /// The highest key the writer may hold a document of, committed or
    /// buffered (`None`: it holds none): read from the index when it is
    /// opened, raised by every add, reset by a clear. A key above it cannot
    /// be in the index, so it is added without first deleting its old
    /// document; new merchants get ever higher keys, so neither a batch's
    /// new merchants nor a rebuild (which adds in ascending order) delete
    /// anything. Each delete would cost: tantivy keeps every delete until
    /// the commit as a term query's weight (about 1 KiB, with its 256-entry
    /// BM25 table), so a rebuild's million of them held a gigabyte at the
    /// end of the load, and each commit looks every one up in every segment.
    highest: Option<u64>,
}

impl std::fmt::Debug for CandidateIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CandidateIndex")
            .field("documents", &self.len())
            .finish_non_exhaustive()
    }
}

impl CandidateIndex {
    /// An empty index in memory.
    pub fn in_ram() -> Result<CandidateIndex, CandidateIndexError> {
        let (schema, _) = Fields::schema();
        CandidateIndex::with_index(Index::create_in_ram(schema))
    }

    /// Opens the index in `dir`, creating the directory and an empty index
    /// when there is none. An index written with another schema (an older
    /// version of this code) is derived state: it is replaced by an empty
    /// one, and [`committed_sequence`](Self::committed_sequence) is then
    /// `None`, which tells the caller to index everything again. Fails when
    /// another writer holds the directory.
    pub fn open(dir: &Path) -> Result<CandidateIndex, CandidateIndexError> {
        let create = |dir: &Path| {
            std::fs::create_dir_all(dir).map_err(|source| CandidateIndexError::CreateDirectory {
                path: dir.to_owned(),
                source,
            })
        };
        create(dir)?;
        let (schema, _) = Fields::schema();
        let index = Index::open_or_create(MmapDirectory::open(dir)?, schema.clone());
        let index = match index {
            Ok(index) => index,
            Err(tantivy::TantivyError::SchemaError(_)) => {
                std::fs::remove_dir_all(dir).map_err(|source| {
                    CandidateIndexError::CreateDirectory {
                        path: dir.to_owned(),
                        source,
                    }
                })?;
                create(dir)?;
                Index::open_or_create(MmapDirectory::open(dir)?, schema)?
            }
            Err(other) => return Err(other.into()),
        };
        CandidateIndex::with_index(index)
    }

    fn with_index(index: Index) -> Result<CandidateIndex, CandidateIndexError> {
        let analyzer = TextAnalyzer::builder(NgramTokenizer::new(1, 2, false)?).build();
        let fields = Fields::from_schema(&index.schema())?;
        let writer: IndexWriter = index.writer_with_options(
            IndexWriterOptions::builder()
                .num_worker_threads(INDEXING_THREADS)
                .memory_budget_per_thread(WRITER_MEMORY_BUDGET)
                .build(),
        )?;
        writer.set_merge_policy(Box::new(merge_policy()));
        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        // The writer has buffered nothing yet: the committed documents are
        // all it holds.
        let highest = committed_highest(&reader.searcher())?;
        Ok(CandidateIndex {
            index,
            writer,
            reader,
            fields,
            analyzer,
            highest,
        })
    }

    /// Adds `record`, replacing any document with its key (visible after
    /// the next commit).
    pub fn add(&mut self, record: &FuzzyRecord) -> Result<(), CandidateIndexError> {
        let f = self.fields;
        let key = record.key();
        match self.highest {
            Some(highest) if key <= highest => {
                self.writer.delete_term(Term::from_field_u64(f.key, key));
            }
            _ => self.highest = Some(key),
        }
        let terms = self.terms(record);
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.key, key);
        doc.add_text(f.name, terms.name.join(" "));
        doc.add_text(f.address, terms.address.join(" "));
        if let Some(t) = &terms.family {
            doc.add_text(f.family, t);
        }
        doc.add_text(f.person, terms.person.join(" "));
        doc.add_text(f.text, terms.text.join(" "));
        for (field, key) in record.frequency_keys() {
            doc.add_text(f.freq, frequency_term(field, &key));
        }
        self.writer.add_document(doc)?;
        Ok(())
    }

    /// Removes the document with `key`, if any (visible after the next commit).
    pub fn remove(&mut self, key: u64) {
        self.writer
            .delete_term(Term::from_field_u64(self.fields.key, key));
    }

    /// Removes every document (for a rebuild; visible after the next commit).
    pub fn clear(&mut self) -> Result<(), CandidateIndexError> {
        // tantivy's `delete_all_documents` drops the committed segments but
        // not what its indexing threads still buffer, and nothing deletes
        // those later: the first add after a clear deletes nothing (there
        // is nothing above `highest`). A rollback drops them first.
        self.restart_writer()?;
        self.writer.delete_all_documents()?;
        self.highest = None;
        Ok(())
    }

    /// Drops every change since the last commit, a clear and a bulk load
    /// that failed half-way included: the index is again what that commit
    /// holds, merging as usual, and the next add of a key it holds still
    /// replaces the document.
    pub fn rollback(&mut self) -> Result<(), CandidateIndexError> {
        self.restart_writer()?;
        self.reader.reload()?;
        self.highest = committed_highest(&self.reader.searcher())?;
        Ok(())
    }

    /// Drop what the writer buffered. tantivy's rollback opens a new writer
    /// with its default merge policy, so ours is set again.
    fn restart_writer(&mut self) -> Result<(), CandidateIndexError> {
        self.writer.rollback()?;
        self.writer.set_merge_policy(Box::new(merge_policy()));
        Ok(())
    }

    /// Removes every document and stops merging segments until
    /// [`commit_compacted_at`](Self::commit_compacted_at): for a rebuild
    /// that adds every merchant at once.
    ///
    /// Merges in the middle of a bulk load rewrite documents that the
    /// final merge into one segment rewrites again, and they take the
    /// core that indexing needs.
    pub fn clear_for_bulk(&mut self) -> Result<(), CandidateIndexError> {
        self.clear()?;
        self.writer
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        Ok(())
    }

    /// Like [`commit_at`](Self::commit_at), then merges every segment into
    /// one and merges as usual again (after
    /// [`clear_for_bulk`](Self::clear_for_bulk)).
    ///
    /// Each term of a candidate query is looked up in the term dictionary
    /// of every segment, and a bulk load leaves a segment per flush of the
    /// writer's memory (11 at 1,000,000 merchants with two indexing
    /// threads; with one, not yet counted): with one segment, a rebuild's
    /// million queries do one lookup per term where they did eleven.
    pub fn commit_compacted_at(&mut self, sequence: u64) -> Result<(), CandidateIndexError> {
        let compacted = self.commit_at(sequence).and_then(|()| {
            let segments = self.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                // The merged segment replaces the committed ones in the same
                // commit (same sequence): nothing to commit again.
                self.writer.merge(&segments).wait()?;
            }
            Ok(())
        });
        // Merging resumes even when the commit or the merge failed: a
        // serving hub goes on with this writer.
        self.writer.set_merge_policy(Box::new(merge_policy()));
        compacted?;
        self.reader.reload()?;
        Ok(())
    }

    /// Makes the buffered changes durable and visible to [`candidates`](Self::candidates).
    pub fn commit(&mut self) -> Result<(), CandidateIndexError> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Like [`commit`](Self::commit), recording the store's change sequence
    /// the index is now current with.
    pub fn commit_at(&mut self, sequence: u64) -> Result<(), CandidateIndexError> {
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&sequence.to_string());
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// The sequence recorded by the last [`commit_at`](Self::commit_at), if
    /// any: where a restarted hub resumes indexing.
    pub fn committed_sequence(&self) -> Result<Option<u64>, CandidateIndexError> {
        match self.index.load_metas()?.payload {
            None => Ok(None),
            Some(p) => p
                .parse()
                .map(Some)
                .map_err(|_| CandidateIndexError::Payload(p)),
        }
    }

    /// Documents visible to searches (as of the last commit).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Segments visible to searches (as of the last commit): each term of
    /// a query is looked up in every one of them.
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Whether no document is visible.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keys of up to `limit` stored merchants worth scoring against
    /// `record`, best first (ties by key), never `record`'s own key. For
    /// many records, take one [`lookup`](Self::lookup) and ask it.
    pub fn candidates(
        &self,
        record: &FuzzyRecord,
        limit: usize,
    ) -> Result<Vec<u64>, CandidateIndexError> {
        self.lookup()?.candidates(record, limit)
    }

    /// A view of the last commit for many candidate queries and rarity
    /// counts (see [`Lookup`]). Each thread takes its own.
    pub fn lookup(&self) -> Result<Lookup<'_>, CandidateIndexError> {
        let searcher = self.reader.searcher();
        let keys = key_columns(&searcher)?;
        Ok(Lookup {
            index: self,
            statistics: Statistics {
                // max_doc, deleted documents included, as tantivy counts.
                documents: Bm25StatisticsProvider::total_num_docs(&searcher)?,
                searcher: searcher.clone(),
                doc_freq: RefCell::default(),
                tokens: RefCell::default(),
            },
            searcher,
            keys,
        })
    }

    /// Keys of up to `limit` merchants whose name or address shares the
    /// most 2-grams with `text` (folded like a name: full-width, traditional
    /// characters), best first with their BM25 scores, across all areas.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<(u64, f32)>, CandidateIndexError> {
        // Folded as stored: full-width, traditional characters, spaces; and
        // with numbers unified as in address remainders (`十八号` → `18号`).
        let folded = crate::normalise::simplified(&crate::normalise::text(text)).replace(' ', "");
        let mut grams = self.grams(&folded);
        for g in self.grams(&crate::normalise::numerals(&folded)) {
            if !grams.contains(&g) {
                grams.push(g);
            }
        }
        if grams.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = grams
            .iter()
            .map(|g| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.fields.text, g),
                        IndexRecordOption::WithFreqs,
                    )),
                )
            })
            .collect();
        let lookup = self.lookup()?;
        let top = lookup.searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push((lookup.key(address)?, score));
        }
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(hits)
    }

    fn query(&self, record: &FuzzyRecord) -> BooleanQuery {
        let f = self.fields;
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let terms = self.terms(record);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for t in &terms.name {
            clauses.push((Occur::Should, term(f.name, t)));
        }
        for t in &terms.address {
            clauses.push((Occur::Should, term(f.address, t)));
        }
        if let Some(t) = &terms.family {
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(term(f.family, t), FAMILY_BOOST)),
            ));
        }
        for t in &terms.person_query {
            clauses.push((Occur::Should, term(f.person, t)));
        }
        BooleanQuery::new(clauses)
    }

    fn terms(&self, record: &FuzzyRecord) -> Terms {
        let area = area(record);
        let city = city(record);
        let scoped = |grams: Vec<String>| -> Vec<String> {
            grams.into_iter().map(|g| format!("{area}|{g}")).collect()
        };
        let name = self.grams(record.name_core().as_str());
        let address = self.grams(&record.address().remainder);
        let mut text = name.clone();
        text.extend(address.iter().filter(|g| !name.contains(g)).cloned());
        let mut terms = Terms {
            name: scoped(name),
            address: scoped(address),
            text,
            family: (!record.family().is_empty()).then(|| format!("{area}|{}", record.family())),
            ..Terms::default()
        };
        let rep = record.legal_rep_name();
        if !rep.is_empty() {
            terms.person.push(format!("{city}|rep:{rep}"));
            terms.person_query.push(format!("{city}|holder:{rep}"));
        }
        if let Some(holder) = record.controller() {
            terms.person.push(format!("{city}|holder:{holder}"));
            terms.person_query.push(format!("{city}|holder:{holder}"));
            terms.person_query.push(format!("{city}|rep:{holder}"));
        }
        terms
    }

    /// The distinct 2-grams of `text` in order of first appearance (the
    /// text itself when it is a single character).
    fn grams(&self, text: &str) -> Vec<String> {
        let mut analyzer = self.analyzer.clone();
        let single = text.chars().count() == 1;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = &stream.token().text;
            if (single || t.chars().count() == 2) && seen.insert(t.clone()) {
                out.push(t.clone());
            }
        }
        out
    }
}

/// One commit of a [`CandidateIndex`], held for a run of queries: a slice
/// of a batch, a page of a rebuild.
///
/// Every query of a slice needs, for each of its terms, the term's document
/// frequency for BM25, and tantivy looks that up in the term dictionary of
/// every segment. Records of one district in a slice share terms (its street
/// names, its `路1`s and `号`s), so the lookup remembers each frequency it
/// was told: the same statistics, read once. Terms carry their district, so
/// across a whole slice few repeat (docs/performance.md). It also opens each
/// segment's key column once instead of per hit. Scores are exactly those of
/// a fresh searcher, because the commit it holds does not change. It answers
/// the rarity questions ([`Frequencies`]) from the `freq` terms too.
///
/// A lookup is not shared between threads (its memo is not locked); it is
/// `Send`, so each worker takes one ([`CandidateIndex::lookup`]).
pub struct Lookup<'i> {
    index: &'i CandidateIndex,
    searcher: Searcher,
    /// `keys[segment_ord]`: the key column of each segment.
    keys: Vec<Column<u64>>,
    statistics: Statistics,
}

impl Lookup<'_> {
    /// Keys of up to `limit` stored merchants worth scoring against
    /// `record`, best first (ties by key), never `record`'s own key.
    pub fn candidates(
        &self,
        record: &FuzzyRecord,
        limit: usize,
    ) -> Result<Vec<u64>, CandidateIndexError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let query = self.index.query(record);
        // One more, in case the record itself is stored.
        let top = self.searcher.search_with_statistics_provider(
            &query,
            &TopDocs::with_limit(limit + 1).order_by_score(),
            &self.statistics,
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let key = self.key(address)?;
            if key != record.key() {
                hits.push((score, key));
            }
        }
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(hits.into_iter().take(limit).map(|(_, k)| k).collect())
    }

    /// The key of a hit, from its segment's fast-field column: no stored
    /// document to decompress.
    fn key(&self, address: DocAddress) -> Result<u64, CandidateIndexError> {
        self.keys
            .get(address.segment_ord as usize)
            .and_then(|column| column.first(address.doc_id))
            .ok_or(CandidateIndexError::MissingKey)
    }

    /// Live documents carrying `term` in the `freq` field, counted up to
    /// [`COMMON_DF`].
    fn live_count(&self, term: &Term) -> Result<u64, CandidateIndexError> {
        let mut count = 0;
        for segment in self.searcher.segment_readers() {
            let inverted = segment.inverted_index(self.index.fields.freq)?;
            let Some(mut postings) = inverted
                .read_postings(term, IndexRecordOption::Basic)
                .map_err(tantivy::TantivyError::from)?
            else {
                continue;
            };
            let alive = segment.alive_bitset();
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    count += 1;
                    if count >= COMMON_DF {
                        return Ok(count);
                    }
                }
                doc = postings.advance();
            }
        }
        Ok(count)
    }
}

/// Rarity as of the lookup's commit. An index error reads as a common value
/// ([`COMMON_DF`], worth nothing): a failure can cost a link, never make one.
impl Frequencies for Lookup<'_> {
    fn count(&self, field: FrequencyField, key: &str) -> u64 {
        let term = Term::from_field_text(self.index.fields.freq, &frequency_term(field, key));
        self.live_count(&term).unwrap_or(COMMON_DF)
    }
}

/// BM25's statistics of one searcher, each asked of it once.
struct Statistics {
    searcher: Searcher,
    documents: u64,
    doc_freq: RefCell<HashMap<Term, u64>>,
    tokens: RefCell<HashMap<Field, u64>>,
}

impl Bm25StatisticsProvider for Statistics {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        if let Some(n) = self.tokens.borrow().get(&field) {
            return Ok(*n);
        }
        let n = Bm25StatisticsProvider::total_num_tokens(&self.searcher, field)?;
        self.tokens.borrow_mut().insert(field, n);
        Ok(n)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.documents)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if let Some(n) = self.doc_freq.borrow().get(term) {
            return Ok(*n);
        }
        let n = self.searcher.doc_freq(term)?;
        self.doc_freq.borrow_mut().insert(term.clone(), n);
        Ok(n)
    }
}

/// Merge as soon as [`MERGE_AT`] segments of a size have gathered, not
/// tantivy's default 8.
///
/// Every term of a candidate query is looked up in the term dictionary of
/// every segment, twice (its document frequency for BM25, then its
/// postings), and a batch commits a segment per slice; the default policy
/// lets up to seven segments of each size gather, and the document-frequency
/// lookups alone were more than half of the candidate queries' time in a
/// profile. Merging sooner rewrites each document a few more times, on
/// tantivy's merge thread.
fn merge_policy() -> tantivy::indexer::LogMergePolicy {
    let mut policy = tantivy::indexer::LogMergePolicy::default();
    policy.set_min_num_segments(MERGE_AT);
    policy
}

/// Segments of one size that trigger a merge ([`merge_policy`]).
const MERGE_AT: usize = 4;

/// Each segment's `key` column, in the searcher's segment order.
fn key_columns(searcher: &Searcher) -> tantivy::Result<Vec<Column<u64>>> {
    searcher
        .segment_readers()
        .iter()
        .map(|segment| segment.fast_fields().u64("key"))
        .collect()
}

/// The highest key the committed segments may hold. A segment's column
/// keeps the maximum of every document written to it, deleted ones
/// included: an upper bound, which is all `highest` promises.
fn committed_highest(searcher: &Searcher) -> tantivy::Result<Option<u64>> {
    Ok(key_columns(searcher)?
        .iter()
        .filter(|keys| keys.num_docs() > 0)
        .map(Column::max_value)
        .max())
}

fn frequency_term(field: FrequencyField, key: &str) -> String {
    format!("{}|{key}", field.as_str())
}

fn area(record: &FuzzyRecord) -> &'static str {
    record.area().map_or(UNKNOWN_AREA, |c| c.as_str())
}

fn city(record: &FuzzyRecord) -> &'static str {
    record.city_area().map_or(UNKNOWN_AREA, |c| c.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::merchant;

    const SURNAMES: &[&str] = &["陈", "林", "黄", "吴", "郑", "周", "徐", "孙", "马", "朱"];
    const WORDS: &[&str] = &[
        "鑫隆", "兴旺", "宏达", "金福", "永利", "佳美", "新星", "顺发",
    ];
    const TRADES: &[&str] = &[
        "百货", "五金", "水果", "茶叶", "粮油", "面馆", "服装", "数码",
    ];
    const STREETS: &[&str] = &[
        "深南中路",
        "红荔路",
        "华强南路",
        "福华路",
        "振华路",
        "华富路",
        "彩田路",
        "华强北路",
    ];

    /// `n` unrelated merchants in 福田区, on the same streets as the target
    /// (华强北路 included, every number but 18), keyed from 1.
    fn background(n: usize) -> Vec<FuzzyRecord> {
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        (0..n)
            .map(|i| {
                let name = format!(
                    "{}{}{}店",
                    WORDS[next(WORDS.len())],
                    SURNAMES[next(SURNAMES.len())],
                    TRADES[next(TRADES.len())]
                );
                let mut number = 1 + next(400);
                if number == 18 {
                    number = 19;
                }
                let address = format!(
                    "广东省深圳市福田区{}{number}号",
                    STREETS[next(STREETS.len())]
                );
                let rep = format!(
                    "{}{}",
                    SURNAMES[next(SURNAMES.len())],
                    WORDS[next(WORDS.len())]
                );
                FuzzyRecord::from_record(
                    i as u64 + 1,
                    &merchant(&format!("B{i}"), &name, &address, &rep),
                )
            })
            .collect()
    }

    fn indexed(records: &[FuzzyRecord]) -> CandidateIndex {
        let mut index = CandidateIndex::in_ram().unwrap();
        for r in records {
            index.add(r).unwrap();
        }
        index.commit().unwrap();
        index
    }

    fn target() -> FuzzyRecord {
        FuzzyRecord::from_record(
            5_000,
            &merchant("T", "老王烟酒店", "广东省深圳市福田区华强北路18号", "张三"),
        )
    }

    #[test]
    fn a_variant_written_address_is_found_among_a_thousand_unrelated_records() {
        let mut records = background(1_000);
        records.push(target());
        let index = indexed(&records);
        assert_eq!(index.len(), 1_001);

        let family = FuzzyRecord::from_record(
            6_000,
            &merchant("Q1", "王记烟酒", "深圳福田区华强北路十八号", "李四"),
        );
        assert_eq!(index.candidates(&family, 10).unwrap()[0], 5_000);

        // A nominee whose shop name has nothing in common: the address alone.
        let address_only = FuzzyRecord::from_record(
            6_001,
            &merchant("Q2", "鑫隆百货", "深圳市福田区华强北路１８号", "李四"),
        );
        let found = index.candidates(&address_only, 10).unwrap();
        assert!(found.contains(&5_000), "{found:?}");
    }

    #[test]
    fn candidates_stay_in_the_district_and_never_include_the_record_itself() {
        let index = indexed(&[target()]);
        let elsewhere = FuzzyRecord::from_record(
            7_000,
            &merchant("Q", "老王烟酒店", "广东省深圳市南山区华强北路18号", "李四"),
        );
        assert!(index.candidates(&elsewhere, 10).unwrap().is_empty());
        assert!(index.candidates(&target(), 10).unwrap().is_empty());
        assert!(index.candidates(&target(), 0).unwrap().is_empty());
    }

    #[test]
    fn a_controller_finds_nominees_elsewhere_in_the_city() {
        let mut m = merchant("A", "欧记五金", "广东省深圳市福田区红荔路40号", "陈明");
        m.settlement_account.name = "欧阳大富".into();
        let stored = FuzzyRecord::from_record(1, &m);
        let index = indexed(&[stored]);
        let mut q = merchant("B", "鑫隆百货", "广东省深圳市南山区南海大道9号", "林强");
        q.settlement_account.name = "欧阳大富".into();
        let query = FuzzyRecord::from_record(2, &q);
        assert_eq!(index.candidates(&query, 5).unwrap(), vec![1]);
        // The controller as the other merchant's legal rep.
        let mut q = merchant("C", "鑫隆百货", "广东省深圳市南山区南海大道9号", "林强");
        q.settlement_account.name = "陈明".into();
        let query = FuzzyRecord::from_record(3, &q);
        assert_eq!(index.candidates(&query, 5).unwrap(), vec![1]);
    }

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<CandidateIndex>();
    }

    #[test]
    fn removed_and_replaced_documents_are_gone_after_a_commit() {
        let mut index = indexed(&[target()]);
        let query = FuzzyRecord::from_record(
            6_000,
            &merchant("Q", "王记烟酒", "深圳福田区华强北路十八号", "李四"),
        );
        // Re-adding a key replaces its document.
        index.add(&target()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.len(), 1);
        index.remove(5_000);
        assert_eq!(
            index.candidates(&query, 5).unwrap(),
            vec![5_000],
            "not yet committed"
        );
        index.commit().unwrap();
        assert!(index.candidates(&query, 5).unwrap().is_empty());
        assert!(index.is_empty());
    }

    #[test]
    fn a_bulk_load_keeps_one_document_per_key_when_keys_repeat_or_go_down() {
        let mut index = indexed(&background(20));
        index.clear_for_bulk().unwrap();
        // Ascending keys skip the delete; a repeat, and a key below the
        // highest added, must still replace.
        let records = background(10);
        for r in records.iter().chain(records.iter().rev()) {
            index.add(r).unwrap();
        }
        index.add(&target()).unwrap();
        index.add(&target()).unwrap();
        index.commit_compacted_at(3).unwrap();
        assert_eq!(index.len(), 11);
        // After the load, every add replaces again.
        index.add(&target()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.len(), 11);
    }

    #[test]
    fn a_clear_also_drops_the_documents_not_yet_committed() {
        let mut index = indexed(&background(5));
        index.add(&target()).unwrap();
        index.clear().unwrap();
        // After a clear the index holds nothing: this add deletes nothing
        // first, so the buffered document must be gone with the rest.
        index.add(&target()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn a_rollback_after_a_failed_bulk_load_gives_back_the_last_commit() {
        let records = background(20);
        let mut index = indexed(&records);
        let before = index.candidates(&target(), 10).unwrap();
        // A bulk load that stops half-way: cleared, the first keys added.
        index.clear_for_bulk().unwrap();
        for r in &records[..2] {
            index.add(r).unwrap();
        }
        index.rollback().unwrap();
        assert_eq!(index.len(), 20);
        assert_eq!(index.candidates(&target(), 10).unwrap(), before);
        // The committed keys are known again: re-adding one above what the
        // load reached replaces it, and the commit after the rollback adds
        // nothing of the load.
        index.add(&records[10]).unwrap();
        index.commit().unwrap();
        assert_eq!(index.len(), 20);
    }

    #[test]
    fn a_reopened_index_still_replaces_the_documents_it_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("candidates");
        let records = background(10);
        {
            let mut index = CandidateIndex::open(&path).unwrap();
            for r in &records {
                index.add(r).unwrap();
            }
            index.commit().unwrap();
        }
        let mut index = CandidateIndex::open(&path).unwrap();
        // Keys at or below the highest stored replace their documents; one
        // above is new.
        index.add(&records[3]).unwrap();
        index.add(&records[9]).unwrap();
        index.add(&target()).unwrap();
        index.commit().unwrap();
        assert_eq!(index.len(), 11);
    }

    #[test]
    fn a_bulk_load_ends_in_one_segment_that_finds_the_same_candidates() {
        let mut records = background(600);
        records.push(target());
        let reference = indexed(&records);
        // An index with other documents, cleared for the load.
        let mut bulk = indexed(&background(50));
        bulk.clear_for_bulk().unwrap();
        for part in records.chunks(150) {
            for r in part {
                bulk.add(r).unwrap();
            }
            bulk.commit().unwrap();
        }
        // A segment (or one per indexing thread) per commit: none merged.
        assert!(bulk.segments() >= 5, "{} segments", bulk.segments());
        bulk.commit_compacted_at(9).unwrap();
        assert_eq!(bulk.segments(), 1);
        assert_eq!(bulk.len(), 601);
        assert_eq!(bulk.committed_sequence().unwrap(), Some(9));
        let family = FuzzyRecord::from_record(
            6_000,
            &merchant("Q1", "王记烟酒", "深圳福田区华强北路十八号", "李四"),
        );
        // Every match, as a set: where the segments differ, so do the last
        // bits of a score summed over them, and tantivy breaks a tie at a
        // cut by document address, so the order of near-equal candidates
        // and the few at a cut may move; which documents match may not.
        let matches = |index: &CandidateIndex, query: &FuzzyRecord| {
            let mut keys = index.candidates(query, 1_000).unwrap();
            keys.sort_unstable();
            keys
        };
        for query in records.iter().step_by(37).chain([&family]) {
            assert_eq!(
                matches(&bulk, query),
                matches(&reference, query),
                "candidates of {}",
                query.key()
            );
        }
        assert_eq!(bulk.candidates(&family, 10).unwrap()[0], 5_000);
    }

    #[test]
    fn rarity_counts_from_the_index_are_the_live_merchants_carrying_each_key() {
        use crate::frequency::FrequencyTable;
        let mut records = background(300);
        records.push(target());
        // The same door and shop-name family as the target, under another key.
        records.push(FuzzyRecord::from_record(
            5_001,
            &merchant("T2", "老王烟酒店", "广东省深圳市福田区华强北路18号", "李四"),
        ));
        let mut index = indexed(&records);
        // A removed merchant no longer counts.
        let removed = records.remove(7);
        index.remove(removed.key());
        index.commit().unwrap();
        let mut table = FrequencyTable::new();
        for r in &records {
            table.add(r);
        }
        let lookup = index.lookup().unwrap();
        for r in records.iter().chain([&removed]) {
            for (field, key) in r.frequency_keys() {
                assert_eq!(
                    lookup.count(field, &key),
                    table.count(field, &key).min(COMMON_DF),
                    "{field:?} {key}"
                );
            }
        }
        assert_eq!(
            lookup.count(FrequencyField::Building, "440304|华强北路#18"),
            2
        );
        assert_eq!(lookup.count(FrequencyField::LegalRepName, "无此人"), 0);
    }

    #[test]
    fn an_index_written_with_another_schema_is_replaced_by_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("candidates");
        {
            // Another layout: `freq` as a u64 field (a digest of each key).
            let mut b = Schema::builder();
            b.add_u64_field("key", INDEXED | FAST);
            b.add_u64_field("freq", INDEXED);
            std::fs::create_dir_all(&path).unwrap();
            let old = Index::create_in_dir(&path, b.build()).unwrap();
            let mut writer: IndexWriter = old.writer(WRITER_MEMORY_BUDGET).unwrap();
            writer.add_document(TantivyDocument::default()).unwrap();
            let mut prepared = writer.prepare_commit().unwrap();
            prepared.set_payload("42");
            prepared.commit().unwrap();
        }
        let mut index = CandidateIndex::open(&path).unwrap();
        assert!(index.is_empty());
        assert_eq!(index.committed_sequence().unwrap(), None);
        index.add(&target()).unwrap();
        index.commit_at(1).unwrap();
        assert_eq!(
            index
                .lookup()
                .unwrap()
                .count(FrequencyField::LegalRepName, "张三"),
            1
        );
    }

    #[test]
    fn an_index_in_a_directory_survives_a_reopen_with_its_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("candidates");
        {
            let mut index = CandidateIndex::open(&path).unwrap();
            assert_eq!(index.committed_sequence().unwrap(), None);
            index.add(&target()).unwrap();
            index.commit_at(42).unwrap();
        }
        let index = CandidateIndex::open(&path).unwrap();
        assert_eq!(index.committed_sequence().unwrap(), Some(42));
        let query = FuzzyRecord::from_record(
            6_000,
            &merchant("Q", "王记烟酒", "深圳福田区华强北路十八号", "李四"),
        );
        assert_eq!(index.candidates(&query, 5).unwrap(), vec![5_000]);
    }
}
