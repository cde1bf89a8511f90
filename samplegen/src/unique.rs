//! Collision-free identifiers without remembering the ones already issued.
//!
//! At a million merchants, random 8-digit phone suffixes or ID sequence
//! numbers collide by the birthday paradox, and every accidental collision is
//! an unplanted `shared_phone` or `one_person_many_merchants` case that would
//! make the truth file wrong. Instead each identifier kind has an
//! [`Allocator`]: a counter passed through a keyed pseudo-random permutation of
//! the identifier space, so values look random, never repeat, and cost no
//! memory.

use crate::error::Error;
use crate::rng::mix;

/// A keyed bijection of `0..domain` (a 4-round Feistel network over the
/// smallest square covering the domain, with cycle walking back into it).
#[derive(Debug, Clone)]
pub(crate) struct Permutation {
    domain: u64,
    side: u64,
    keys: [u64; 4],
}

impl Permutation {
    pub(crate) fn new(domain: u64, key: u64) -> Self {
        assert!(domain > 0, "empty permutation domain");
        let mut side = (domain as f64).sqrt() as u64;
        while side.saturating_mul(side) < domain {
            side += 1;
        }
        let keys = [mix(key), mix(key ^ 1), mix(key ^ 2), mix(key ^ 3)];
        Permutation { domain, side, keys }
    }

    /// The image of `x`, which must be below the domain.
    pub(crate) fn apply(&self, x: u64) -> u64 {
        debug_assert!(x < self.domain);
        let mut y = x;
        loop {
            y = self.round_trip(y);
            if y < self.domain {
                return y;
            }
        }
    }

    fn round_trip(&self, x: u64) -> u64 {
        let (mut left, mut right) = (x / self.side, x % self.side);
        for key in self.keys {
            let next = (left + mix(right ^ key) % self.side) % self.side;
            left = right;
            right = next;
        }
        left * self.side + right
    }
}

/// Hands out distinct values of `0..domain` in a scrambled order.
#[derive(Debug, Clone)]
pub(crate) struct Allocator {
    what: &'static str,
    permutation: Permutation,
    next: u64,
}

impl Allocator {
    pub(crate) fn new(what: &'static str, domain: u64, key: u64) -> Self {
        Allocator {
            what,
            permutation: Permutation::new(domain, key),
            next: 0,
        }
    }

    /// The next unused value.
    pub(crate) fn take(&mut self) -> Result<u64, Error> {
        if self.next >= self.permutation.domain {
            return Err(Error::Exhausted(self.what));
        }
        let value = self.permutation.apply(self.next);
        self.next += 1;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permutation_is_a_bijection_of_its_domain() {
        for domain in [1, 2, 7, 100, 1000, 1001] {
            let p = Permutation::new(domain, 42);
            let mut seen: Vec<u64> = (0..domain).map(|x| p.apply(x)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..domain).collect::<Vec<_>>(), "domain {domain}");
        }
    }

    #[test]
    fn an_allocator_reports_exhaustion_instead_of_repeating() {
        let mut a = Allocator::new("test values", 3, 1);
        let mut got = vec![a.take().unwrap(), a.take().unwrap(), a.take().unwrap()];
        got.sort_unstable();
        assert_eq!(got, vec![0, 1, 2]);
        assert!(matches!(a.take(), Err(Error::Exhausted("test values"))));
    }
}
