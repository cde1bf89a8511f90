//! From pairwise links to groups of merchants behind one person (SPEC §5:
//! an alert "grows when new members join the same cluster").
//!
//! [`UnionFind`] merges linked keys transitively (path halving, union by
//! size: near-constant time per operation), so nominees `A–B` and `B–C` form
//! one group even when `A` and `C` share nothing.
//!
//! Transitivity is also the danger: one merchant linked to two unrelated
//! groups glues them together, and a value shared by hundreds (a mall's
//! address, an agent's phone) would glue everything it touches. The guard
//! is upstream, by design: a [`Link`] exists only with a rare anchor and an
//! independent corroboration ([`crate::score`]), so a common value cannot
//! make a link on its own, and so cannot make a path through a cluster.
//! Clustering therefore trusts its links and stays a plain union-find.

use std::collections::{BTreeMap, HashMap};

use crate::scoring::Link;

/// Disjoint sets over `u64` keys.
#[derive(Debug, Clone, Default)]
pub struct UnionFind {
    /// Key → slot.
    slots: HashMap<u64, usize>,
    /// Slot → key, in insertion order.
    keys: Vec<u64>,
    /// Slot → parent slot (itself for a root).
    parent: Vec<usize>,
    /// Root slot → set size.
    size: Vec<usize>,
}

impl UnionFind {
    /// No sets.
    pub fn new() -> UnionFind {
        UnionFind::default()
    }

    /// Adds `key` as a set of its own, if it is new.
    pub fn insert(&mut self, key: u64) {
        self.slot(key);
    }

    /// Merges the sets of `a` and `b` (adding either if new). Returns
    /// whether they were apart.
    pub fn union(&mut self, a: u64, b: u64) -> bool {
        let (sa, sb) = (self.slot(a), self.slot(b));
        let (mut ra, mut rb) = (self.root(sa), self.root(sb));
        if ra == rb {
            return false;
        }
        if self.size[ra] < self.size[rb] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb] = ra;
        self.size[ra] += self.size[rb];
        true
    }

    /// The representative key of `key`'s set (`None` for an unknown key).
    /// Which member represents a set depends on the order of unions; use
    /// [`UnionFind::sets`] for a canonical form.
    pub fn find(&mut self, key: u64) -> Option<u64> {
        let slot = *self.slots.get(&key)?;
        let root = self.root(slot);
        Some(self.keys[root])
    }

    /// Whether `a` and `b` are in one set.
    pub fn connected(&mut self, a: u64, b: u64) -> bool {
        match (self.find(a), self.find(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }

    /// Every set, members ascending, sets ordered by their smallest key.
    pub fn sets(&mut self) -> Vec<Vec<u64>> {
        let mut by_root: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for slot in 0..self.keys.len() {
            let root = self.root(slot);
            by_root.entry(root).or_default().push(self.keys[slot]);
        }
        let mut sets: Vec<Vec<u64>> = by_root
            .into_values()
            .map(|mut members| {
                members.sort_unstable();
                members
            })
            .collect();
        sets.sort_unstable_by_key(|members| members[0]);
        sets
    }

    fn slot(&mut self, key: u64) -> usize {
        if let Some(&slot) = self.slots.get(&key) {
            return slot;
        }
        let slot = self.keys.len();
        self.slots.insert(key, slot);
        self.keys.push(key);
        self.parent.push(slot);
        self.size.push(1);
        slot
    }

    /// The root of `slot`, halving the path on the way.
    fn root(&mut self, mut slot: usize) -> usize {
        while self.parent[slot] != slot {
            self.parent[slot] = self.parent[self.parent[slot]];
            slot = self.parent[slot];
        }
        slot
    }
}

/// The groups the links form: every connected set of two or more keys,
/// members ascending, groups ordered by their smallest key.
pub fn clusters(links: &[Link]) -> Vec<Vec<u64>> {
    let mut uf = UnionFind::new();
    for link in links {
        uf.union(link.left, link.right);
    }
    uf.sets().into_iter().filter(|s| s.len() >= 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_find_merges_transitively() {
        let mut uf = UnionFind::new();
        assert!(uf.union(1, 2));
        assert!(uf.union(3, 4));
        assert!(!uf.connected(1, 3));
        assert!(uf.union(2, 3));
        assert!(uf.connected(1, 4));
        assert!(!uf.union(4, 1));
        uf.insert(9);
        assert_eq!(uf.sets(), vec![vec![1, 2, 3, 4], vec![9]]);
        assert_eq!(uf.find(7), None);
    }

    #[test]
    fn sets_do_not_depend_on_the_order_of_unions() {
        let pairs = [(10, 3), (3, 7), (20, 21), (7, 1), (21, 22)];
        let mut forward = UnionFind::new();
        let mut backward = UnionFind::new();
        for &(a, b) in &pairs {
            forward.union(a, b);
        }
        for &(a, b) in pairs.iter().rev() {
            backward.union(b, a);
        }
        assert_eq!(forward.sets(), backward.sets());
        assert_eq!(forward.sets(), vec![vec![1, 3, 7, 10], vec![20, 21, 22]]);
    }
}
