//! What to generate.

/// Options of one generation run. The same options always produce the same
/// bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Merchant rows in all, across acquirers (invalid rows included).
    pub merchants: usize,
    /// Number of acquirers, `ACQ01` … (at least 1).
    pub acquirers: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Draw JPEG photos (storefront, some interior). Leave off for large runs.
    pub photos: bool,
    /// Rows with exactly one defect, spread over acquirers (taken from the
    /// background merchants, never from planted cases).
    pub invalid_rows: usize,
    /// Blacklist entries that match no merchant, for screening noise;
    /// `None` picks about one per 100 merchants (at least 5).
    pub blacklist_decoys: Option<usize>,
}

impl Default for Options {
    /// The committed samples' options, except `photos`: 240 merchants, 3
    /// acquirers, seed 42, 8 invalid rows.
    fn default() -> Self {
        Options {
            merchants: 240,
            acquirers: 3,
            seed: 42,
            photos: false,
            invalid_rows: 8,
            blacklist_decoys: None,
        }
    }
}

impl Options {
    /// The number of decoy blacklist entries this run writes.
    pub fn decoys(&self) -> usize {
        self.blacklist_decoys
            .unwrap_or((self.merchants / 100).max(5))
    }
}
