//! The seeded random source and the few sampling helpers the generator uses.
//!
//! Everything random comes from ChaCha8 streams derived from the user's seed.
//! ChaCha8's output is fixed by the algorithm (unlike `StdRng`, which rand may
//! change between versions), so a seed keeps producing the same files. Each
//! purpose and each unit of work gets its own stream ([`stream`]), so adding a
//! planted case type does not shift every background merchant after it.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// The generator's random source.
pub(crate) type Rng = ChaCha8Rng;

/// SplitMix64 finaliser: a cheap bijective mixer used to derive seeds.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An independent stream for `purpose` (a short constant) and `index`.
pub(crate) fn stream(seed: u64, purpose: u64, index: u64) -> Rng {
    Rng::seed_from_u64(mix(mix(seed ^ mix(purpose)) ^ index))
}

/// Stream purposes; distinct constants keep the streams independent.
pub(crate) mod purpose {
    pub(crate) const PLAN: u64 = 1;
    pub(crate) const UNIT: u64 = 2;
    pub(crate) const SHUFFLE: u64 = 4;
    pub(crate) const PHOTO: u64 = 5;
    pub(crate) const DECOY: u64 = 6;
}

/// `true` with probability `p`.
pub(crate) fn chance(rng: &mut Rng, p: f64) -> bool {
    rng.random_bool(p.clamp(0.0, 1.0))
}

/// A uniformly chosen element of a non-empty slice.
pub(crate) fn pick<'a, T>(rng: &mut Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An element of `items` chosen with the given integer weights.
pub(crate) fn pick_weighted<'a, T>(rng: &mut Rng, items: &'a [(T, u32)]) -> &'a T {
    &pick_weighted_by(rng, items, |(_, w)| *w).0
}

/// An element of `items` chosen with weights given by `weight`.
pub(crate) fn pick_weighted_by<'a, T>(
    rng: &mut Rng,
    items: &'a [T],
    weight: impl Fn(&T) -> u32,
) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut ticket = rng.random_range(0..total);
    for item in items {
        let w = weight(item);
        if ticket < w {
            return item;
        }
        ticket -= w;
    }
    &items[items.len() - 1]
}

/// A uniform integer in `lo..=hi`.
pub(crate) fn between(rng: &mut Rng, lo: u32, hi: u32) -> u32 {
    rng.random_range(lo..=hi)
}

/// A uniform float in `lo..hi`.
pub(crate) fn uniform(rng: &mut Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_stream_repeats_and_different_streams_differ() {
        let a: Vec<u32> = (0..4).map(|_| stream(7, 1, 2).random()).collect();
        let mut s = stream(7, 1, 2);
        let b: Vec<u32> = (0..4).map(|_| s.random()).collect();
        let mut t = stream(7, 1, 3);
        let c: Vec<u32> = (0..4).map(|_| t.random()).collect();
        assert_eq!(a[0], b[0]);
        assert_ne!(b, c);
    }

    #[test]
    fn weighted_choice_never_picks_a_zero_weight() {
        let mut rng = stream(1, 2, 3);
        for _ in 0..1000 {
            assert_ne!(
                *pick_weighted(&mut rng, &[("a", 3), ("b", 0), ("c", 1)]),
                "b"
            );
        }
    }
}
