//! Perceptual photo hashes and the multi-index search for near-duplicates
//! (SPEC §6: "near-duplicates found across all merchants (an index, not a
//! scan)").
//!
//! The hub hashes every photo three ways when it decodes it: a 64-bit DCT
//! hash (the median of the low frequencies, [`PhotoHash`]), the search key;
//! and, to check candidates with, a 256-bit gradient hash (16×16) and a
//! 40-bit double-gradient hash (8×8). Re-encoding, resizing, a crop of a few
//! percent or a brightness shift move a hash by a few bits; two different
//! photos differ in about half of them.
//!
//! **Search without a scan.** A hash is cut into [`BANDS`] bands of 16 bits.
//! If two hashes are at most `r` bits apart, then by the pigeonhole principle
//! at least one band differs by at most `⌊r / BANDS⌋` bits. So each photo is
//! filed under its four (band, value) pairs and, for a new photo, every
//! value within that radius of each of its bands is looked up
//! ([`PhotoHash::probes`]: 697 values per band for radius 3); only photos
//! found that way are compared in full (multi-index hashing, Norouzi et al.,
//! 2012).
//!
//! **Verify before trusting.** At millions of photos a 64-bit hash at a
//! loose threshold meets unrelated photos by chance, and look-alike
//! storefronts of one chain brand come close. So a candidate within
//! [`SEARCH_MAX_BITS`] must also be within [`VERIFY_MAX_BITS`] on the
//! gradient hash and [`DETAIL_MAX_BITS`] on the double-gradient hash before
//! it is evidence ([`near_duplicate`]).
//!
//! **The thresholds** were measured on `mhub samples generate --photos`
//! (2,000 storefronts, seed 7): the planted re-uses (re-encoded, resized,
//! cropped, brightened) were at most 10 bits apart on the search hash, 65
//! on the gradient hash and 2 on the double-gradient hash; of the 2,000,000
//! pairs of different photos, 823 were within 12 bits on the search hash
//! and none passed all three checks; a chain brand's look-alike storefronts
//! were at least 22, 84 and 10 apart. Generated storefronts are drawn alike
//! (one style of sign and front), so real photos, which differ more, are the
//! easier case.

use serde::Serialize;

/// Bands a search hash is cut into.
pub const BANDS: u32 = 4;

/// Bits per band.
const BAND_BITS: u32 = 64 / BANDS;

/// Search hashes at most this many bits apart are candidates (of 64).
pub const SEARCH_MAX_BITS: u32 = 12;

/// Gradient hashes at most this many bits apart confirm a candidate (of 256).
pub const VERIFY_MAX_BITS: u32 = 68;

/// Double-gradient hashes at most this many bits apart confirm it too (of 40).
pub const DETAIL_MAX_BITS: u32 = 3;

/// Bytes of the gradient hash at the start of a verification hash; the
/// double-gradient hash's 5 bytes follow.
const GRADIENT_BYTES: usize = 32;

/// A 64-bit perceptual hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PhotoHash(pub u64);

impl PhotoHash {
    /// Bits that differ.
    pub fn distance(self, other: PhotoHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }

    /// The value of band `band` (0 is the most significant 16 bits).
    pub fn band(self, band: u32) -> u16 {
        (self.0 >> ((BANDS - 1 - band) * BAND_BITS)) as u16
    }

    /// The (band, value) pairs a photo is stored under.
    pub fn bands(self) -> Vec<(u32, u16)> {
        (0..BANDS).map(|b| (b, self.band(b))).collect()
    }

    /// The (band, value) pairs to look up to find every stored hash within
    /// `max_bits` of this one: each band's value and all values within
    /// `⌊max_bits / BANDS⌋` bits of it.
    pub fn probes(self, max_bits: u32) -> Vec<(u32, u16)> {
        let radius = max_bits / BANDS;
        let mut out = Vec::new();
        for band in 0..BANDS {
            let value = self.band(band);
            for flips in within(radius) {
                out.push((band, value ^ flips));
            }
        }
        out
    }

    /// Hex, as stored.
    pub fn to_hex(self) -> String {
        format!("{:016x}", self.0)
    }

    /// From hex.
    pub fn from_hex(hex: &str) -> Option<PhotoHash> {
        u64::from_str_radix(hex, 16).ok().map(PhotoHash)
    }
}

/// Every 16-bit mask with at most `radius` bits set.
fn within(radius: u32) -> Vec<u16> {
    let mut masks = vec![0u16];
    let mut frontier = vec![(0u16, 0u32)];
    for _ in 0..radius {
        let mut next = Vec::new();
        for (mask, lowest) in frontier {
            for bit in lowest..BAND_BITS {
                let m = mask | (1 << bit);
                masks.push(m);
                next.push((m, bit + 1));
            }
        }
        frontier = next;
    }
    masks
}

/// The bits that differ between two verification hashes (hex: the
/// gradient hash's 32 bytes, then the double-gradient hash's 5): on the
/// gradient part and on the double-gradient part. `None` when they cannot
/// be compared (another length, not hex).
pub fn verify_distance(a: &str, b: &str) -> Option<(u32, u32)> {
    let bytes = |s: &str| {
        hex::decode(s)
            .ok()
            .filter(|v| v.len() == GRADIENT_BYTES + 5)
    };
    let (x, y) = (bytes(a)?, bytes(b)?);
    let bits = |range: std::ops::Range<usize>| -> u32 {
        x[range.clone()]
            .iter()
            .zip(&y[range])
            .map(|(p, q)| (p ^ q).count_ones())
            .sum()
    };
    Some((
        bits(0..GRADIENT_BYTES),
        bits(GRADIENT_BYTES..GRADIENT_BYTES + 5),
    ))
}

/// How two photos compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PhotoMatch {
    /// Search-hash distance, bits of 64.
    pub search_bits: u32,
    /// Gradient-hash distance, bits of 256.
    pub verify_bits: u32,
    /// Double-gradient-hash distance, bits of 40.
    pub detail_bits: u32,
}

/// Whether two photos are near-duplicates: close on the search hash and
/// confirmed on both verification hashes.
pub fn near_duplicate(a: (PhotoHash, &str), b: (PhotoHash, &str)) -> Option<PhotoMatch> {
    let search_bits = a.0.distance(b.0);
    if search_bits > SEARCH_MAX_BITS {
        return None;
    }
    let (verify_bits, detail_bits) = verify_distance(a.1, b.1)?;
    (verify_bits <= VERIFY_MAX_BITS && detail_bits <= DETAIL_MAX_BITS).then_some(PhotoMatch {
        search_bits,
        verify_bits,
        detail_bits,
    })
}

/// The band index over many photos' search hashes, in memory: for each
/// band, 65,536 buckets (one per 16-bit value) of photo ordinals. A search
/// reads the 137 buckets within radius 2 of each of the four bands and
/// compares those photos in full, never the whole collection.
#[derive(Debug, Clone)]
pub struct PhotoIndex {
    hashes: Vec<PhotoHash>,
    buckets: Vec<Vec<u32>>,
}

impl Default for PhotoIndex {
    fn default() -> Self {
        PhotoIndex {
            hashes: Vec::new(),
            buckets: vec![Vec::new(); (BANDS as usize) << BAND_BITS],
        }
    }
}

impl PhotoIndex {
    /// An empty index.
    pub fn new() -> PhotoIndex {
        PhotoIndex::default()
    }

    /// Adds a hash; returns its ordinal (0, 1, 2, … in insertion order).
    pub fn add(&mut self, hash: PhotoHash) -> u32 {
        let ordinal = self.hashes.len() as u32;
        self.hashes.push(hash);
        for (band, value) in hash.bands() {
            self.buckets[bucket(band, value)].push(ordinal);
        }
        ordinal
    }

    /// The hash stored under `ordinal`.
    pub fn hash(&self, ordinal: u32) -> PhotoHash {
        self.hashes[ordinal as usize]
    }

    /// Photos stored.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether no photo is stored.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Ordinals of the stored hashes within `max_bits` of `hash` (at most
    /// [`SEARCH_MAX_BITS`] is guaranteed to find all), in ordinal order,
    /// each with its distance.
    pub fn search(&self, hash: PhotoHash, max_bits: u32) -> Vec<(u32, u32)> {
        let mut found: Vec<(u32, u32)> = Vec::new();
        for (band, value) in hash.probes(max_bits) {
            for &ordinal in &self.buckets[bucket(band, value)] {
                let d = self.hashes[ordinal as usize].distance(hash);
                if d <= max_bits {
                    found.push((ordinal, d));
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }
}

fn bucket(band: u32, value: u16) -> usize {
    ((band as usize) << BAND_BITS) | value as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_radius_3_probe_set_has_697_values_per_band() {
        let probes = PhotoHash(0x0123_4567_89ab_cdef).probes(SEARCH_MAX_BITS);
        assert_eq!(probes.len(), 4 * (1 + 16 + 120 + 560));
        assert!(probes.contains(&(0, 0x0123)));
        assert!(probes.contains(&(3, 0xcdef)));
    }

    #[test]
    fn verification_distance_counts_both_parts_and_refuses_garbage() {
        let zero = "00".repeat(37);
        let other = format!("{}{}", "0f".repeat(32), "01".repeat(5));
        assert_eq!(verify_distance(&zero, &other), Some((128, 5)));
        assert_eq!(verify_distance("00", "00"), None);
        assert_eq!(verify_distance(&"zz".repeat(37), &zero), None);
    }

    proptest! {
        #[test]
        fn every_hash_within_the_search_radius_shares_a_probed_band(
            hash in any::<u64>(),
            flips in proptest::collection::btree_set(0u32..64, 0..=SEARCH_MAX_BITS as usize),
        ) {
            let a = PhotoHash(hash);
            let b = PhotoHash(flips.iter().fold(hash, |h, bit| h ^ (1 << bit)));
            let probes = a.probes(SEARCH_MAX_BITS);
            prop_assert!(b.bands().iter().any(|band| probes.contains(band)));
        }

        #[test]
        fn the_index_finds_exactly_the_hashes_a_scan_would(
            stored in proptest::collection::vec(any::<u64>(), 1..60),
            flips in proptest::collection::vec(0u32..64, 0..12),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut index = PhotoIndex::new();
            for h in &stored {
                index.add(PhotoHash(*h));
            }
            // A query near one stored hash, so there is something to find.
            let base = stored[pick.index(stored.len())];
            let query = PhotoHash(flips.iter().fold(base, |h, bit| h ^ (1 << bit)));
            let scan: Vec<(u32, u32)> = stored
                .iter()
                .enumerate()
                .map(|(i, h)| (i as u32, PhotoHash(*h).distance(query)))
                .filter(|(_, d)| *d <= SEARCH_MAX_BITS)
                .collect();
            prop_assert_eq!(index.search(query, SEARCH_MAX_BITS), scan);
        }

        #[test]
        fn distance_is_symmetric_and_zero_only_for_equal_hashes(x in any::<u64>(), y in any::<u64>()) {
            let (a, b) = (PhotoHash(x), PhotoHash(y));
            prop_assert_eq!(a.distance(b), b.distance(a));
            prop_assert_eq!(a.distance(b) == 0, x == y);
        }
    }
}
