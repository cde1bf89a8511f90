//! How rare a value is in the stored data, and what that makes it worth as
//! evidence (SPEC §5: "weight evidence by how rare it is").
//!
//! A shared value is evidence of one person only if few merchants share it:
//! `张伟` is the legal representative of thousands, a mall's address hosts
//! hundreds of shops, a chain brand's name is on every outlet. Scoring asks a
//! [`Frequencies`] source how many stored merchants carry a value (its
//! *document frequency* `df`, as in information retrieval) and scales the
//! evidence by [`rarity`]:
//!
//! ```text
//! rarity(df) = 1                                        if df ≤ RARE_DF
//!            = ln(COMMON_DF / df) / ln(COMMON_DF / RARE_DF)   if RARE_DF < df < COMMON_DF
//!            = 0                                        if df ≥ COMMON_DF
//! ```
//!
//! an inverse document frequency `ln(COMMON_DF / df)`, capped at the size of
//! a nominee group ([`RARE_DF`]: a ring's own handful of merchants share its
//! values, and that must not weaken them) and normalised to 0–1. With the
//! defaults a value on 20 merchants keeps 0.64 of its weight, on 50 0.27, on
//! 100 or more nothing.
//!
//! Counts are absolute, not relative to the number of stored merchants: a
//! mall does not become less of a hub because the hub stores more merchants
//! elsewhere. Place-bound values are counted within their area (the
//! district), so `王烟酒` is rare on one street though common in the country.

use std::collections::HashMap;

use serde::Serialize;

use crate::fuzzy::FuzzyRecord;

/// Up to this many merchants sharing a value, it keeps its full weight.
pub const RARE_DF: u64 = 8;

/// From this many merchants sharing a value on, it is worth nothing.
pub const COMMON_DF: u64 = 100;

/// The evidence weight factor for a value carried by `df` stored merchants
/// (see the module documentation). `df` 0 (not yet counted) is read as 1.
pub fn rarity(df: u64) -> f64 {
    let df = df.max(1);
    if df <= RARE_DF {
        1.0
    } else if df >= COMMON_DF {
        0.0
    } else {
        (COMMON_DF as f64 / df as f64).ln() / (COMMON_DF as f64 / RARE_DF as f64).ln()
    }
}

/// The statistics scoring asks about. Each record's key for a field is
/// [`FuzzyRecord::frequency_key`]; `area` is the 6-digit finest division
/// code or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrequencyField {
    /// `area|core`: merchants with this name core in the area.
    NameCore,
    /// `area|family`: merchants of this shop-name family in the area.
    NameFamily,
    /// `area|unit key`: merchants at this door ([`crate::Premises::unit_key`]).
    Premises,
    /// `area|building key`: merchants in this building
    /// ([`crate::Premises::building_key`]), whatever their unit.
    Building,
    /// A legal representative's folded name, nationwide.
    LegalRepName,
    /// The holder of a personal card who is not the merchant's legal
    /// representative ([`FuzzyRecord::controller`]), nationwide.
    Controller,
    /// A photo hash (or near-duplicate group id), nationwide.
    Photo,
}

impl FrequencyField {
    /// Every field, in declaration order (the order of
    /// [`FuzzyRecord::frequency_keys`]).
    pub const ALL: [FrequencyField; 7] = [
        FrequencyField::NameCore,
        FrequencyField::NameFamily,
        FrequencyField::Premises,
        FrequencyField::Building,
        FrequencyField::LegalRepName,
        FrequencyField::Controller,
        FrequencyField::Photo,
    ];

    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FrequencyField::NameCore => "name_core",
            FrequencyField::NameFamily => "name_family",
            FrequencyField::Premises => "premises",
            FrequencyField::Building => "building",
            FrequencyField::LegalRepName => "legal_rep_name",
            FrequencyField::Controller => "controller",
            FrequencyField::Photo => "photo",
        }
    }
}

/// A source of document frequencies: how many stored merchants carry `key`
/// in `field`. The hub answers from its store (or a [`FrequencyTable`]);
/// tests use a table or a closure `|field, key| n`.
pub trait Frequencies {
    /// The number of stored merchants with this key (0 when unknown).
    fn count(&self, field: FrequencyField, key: &str) -> u64;
}

impl<F> Frequencies for F
where
    F: Fn(FrequencyField, &str) -> u64,
{
    fn count(&self, field: FrequencyField, key: &str) -> u64 {
        self(field, key)
    }
}

/// Answers from `inner`, asking it once per key: scoring a slice of
/// merchants against their candidates asks for the same keys again and
/// again (a record's premises for each of its candidates), and the hub's
/// counts cost a lookup in every index segment. Counts do not change while
/// one slice is scored, so a memo per slice is exact.
pub struct Memoised<'f, F: ?Sized> {
    inner: &'f F,
    memo: std::cell::RefCell<HashMap<FrequencyField, HashMap<String, u64>>>,
}

impl<'f, F: Frequencies + ?Sized> Memoised<'f, F> {
    /// A memo over `inner`, empty.
    pub fn new(inner: &'f F) -> Memoised<'f, F> {
        Memoised {
            inner,
            memo: std::cell::RefCell::new(HashMap::new()),
        }
    }
}

impl<F: Frequencies + ?Sized> Frequencies for Memoised<'_, F> {
    fn count(&self, field: FrequencyField, key: &str) -> u64 {
        if let Some(n) = self
            .memo
            .borrow()
            .get(&field)
            .and_then(|keys| keys.get(key))
        {
            return *n;
        }
        let n = self.inner.count(field, key);
        self.memo
            .borrow_mut()
            .entry(field)
            .or_default()
            .insert(key.to_owned(), n);
        n
    }
}

/// Document frequencies kept in memory: add each stored record once,
/// remove it when it changes or goes.
#[derive(Debug, Clone, Default)]
pub struct FrequencyTable {
    counts: HashMap<FrequencyField, HashMap<String, u64>>,
}

impl FrequencyTable {
    /// An empty table.
    pub fn new() -> FrequencyTable {
        FrequencyTable::default()
    }

    /// Counts every key of `record` once.
    pub fn add(&mut self, record: &FuzzyRecord) {
        for (field, key) in record.frequency_keys() {
            *self
                .counts
                .entry(field)
                .or_default()
                .entry(key)
                .or_insert(0) += 1;
        }
    }

    /// Uncounts every key of `record` (a record added before, unchanged).
    pub fn remove(&mut self, record: &FuzzyRecord) {
        for (field, key) in record.frequency_keys() {
            let Some(keys) = self.counts.get_mut(&field) else {
                continue;
            };
            if let Some(n) = keys.get_mut(&key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    keys.remove(&key);
                }
            }
        }
    }

    /// Sets a count directly (a count read from the store).
    pub fn set(&mut self, field: FrequencyField, key: impl Into<String>, count: u64) {
        self.counts
            .entry(field)
            .or_default()
            .insert(key.into(), count);
    }
}

impl Frequencies for FrequencyTable {
    fn count(&self, field: FrequencyField, key: &str) -> u64 {
        self.counts
            .get(&field)
            .and_then(|keys| keys.get(key))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rarity_is_full_for_a_group_and_nothing_for_a_hub() {
        assert_eq!(rarity(0), 1.0);
        assert_eq!(rarity(RARE_DF), 1.0);
        assert!((rarity(20) - 0.637).abs() < 0.01, "{}", rarity(20));
        assert!(rarity(50) < 0.3);
        assert_eq!(rarity(COMMON_DF), 0.0);
        assert_eq!(rarity(100_000), 0.0);
    }

    #[test]
    fn rarity_never_grows_with_the_count() {
        let mut last = 1.0;
        for df in 0..200 {
            let r = rarity(df);
            assert!(r <= last && (0.0..=1.0).contains(&r));
            last = r;
        }
    }

    #[test]
    fn a_closure_is_a_frequency_source() {
        let f = |field: FrequencyField, _: &str| u64::from(field == FrequencyField::Photo);
        assert_eq!(f.count(FrequencyField::Photo, "x"), 1);
        assert_eq!(f.count(FrequencyField::NameCore, "x"), 0);
    }
}
