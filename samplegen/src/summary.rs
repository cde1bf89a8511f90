//! What a run wrote.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

/// Counts for one acquirer's batch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AcquirerSummary {
    /// `ACQ01` …
    pub code: String,
    /// `jsonl` or `csv`.
    pub format: String,
    /// Data-quality profile: `clean`, `messy` or `legacy`.
    pub profile: String,
    /// Merchant rows (invalid rows included).
    pub merchants: usize,
    /// Terminal entries.
    pub terminals: usize,
    /// Photo files written.
    pub photos: usize,
    /// Rows with a planted defect.
    pub invalid_rows: usize,
    /// Lines in `terminal_locations/ACQnn.jsonl`.
    pub location_reports: usize,
}

/// The result of [`crate::generate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Per acquirer, in code order.
    pub acquirers: Vec<AcquirerSummary>,
    /// Planted cases per type; `one_person_many_merchants` is split into
    /// `one_person_many_merchants/exact` and `/linked`.
    pub cases: BTreeMap<String, usize>,
    /// Hard-negative groups per kind.
    pub hard_negatives: BTreeMap<String, usize>,
    /// Lines of `blacklist.jsonl`.
    pub blacklist_entries: usize,
    /// Of which match no merchant.
    pub blacklist_decoys: usize,
    /// Data files written, relative to the output directory (photos are
    /// counted, not listed).
    pub files: Vec<PathBuf>,
    /// Photo files written.
    pub photos: usize,
    /// Total bytes written, photos included.
    pub bytes: u64,
}
