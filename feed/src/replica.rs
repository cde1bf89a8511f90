//! Replaying the feed into the active entries.
//!
//! The hub's online screening and a member's offline screening both hold a
//! [`Replica`]: the entries the feed has published so far and a
//! [`Screener`] over the active ones. Fed the same verified payloads in seq
//! order, two replicas hold the same entries, and so screen alike.

use std::collections::BTreeMap;

use matcher::{MerchantRecord, Screener, Screening};

use crate::event::{Action, EntrySnapshot, EntryStatus, Payload};

/// The entries a feed has published, replayed up to [`Replica::seq`].
#[derive(Debug, Default)]
pub struct Replica {
    seq: u64,
    entries: BTreeMap<i64, EntrySnapshot>,
    screener: Screener,
}

impl Replica {
    /// An empty replica (before event 1).
    pub fn new() -> Replica {
        Replica::default()
    }

    /// The seq of the last payload applied.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Apply the next payload. Payloads must come verified and in order;
    /// one out of order is ignored (returns `false`), so replaying an event
    /// twice is harmless.
    pub fn apply(&mut self, payload: &Payload) -> bool {
        if payload.seq != self.seq + 1 {
            return false;
        }
        self.seq = payload.seq;
        let entry = &payload.entry;
        match (payload.action, entry.status) {
            (Action::Add | Action::Update, EntryStatus::Active) => {
                self.screener.insert(entry.listed())
            }
            _ => self.screener.remove(entry.id),
        }
        self.entries.insert(entry.id, entry.clone());
        true
    }

    /// Every entry published, active or removed, by id.
    pub fn entries(&self) -> &BTreeMap<i64, EntrySnapshot> {
        &self.entries
    }

    /// How many entries are active.
    pub fn active(&self) -> usize {
        self.screener.len()
    }

    /// The screener over the active entries.
    pub fn screener(&self) -> &Screener {
        &self.screener
    }

    /// Screen a record against the active entries.
    pub fn screen(&self, record: &MerchantRecord) -> Screening {
        self.screener.screen(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::payload;

    #[test]
    fn removal_delists_and_out_of_order_payloads_are_ignored() {
        let mut replica = Replica::new();
        assert!(replica.apply(&payload(1, 1, Action::Add)));
        assert!(replica.apply(&payload(2, 2, Action::Add)));
        assert!(!replica.apply(&payload(2, 2, Action::Add)));
        assert!(!replica.apply(&payload(9, 3, Action::Add)));
        assert_eq!(replica.active(), 2);
        assert!(replica.apply(&payload(3, 1, Action::Remove)));
        assert_eq!(replica.active(), 1);
        assert_eq!(replica.entries().len(), 2);
        assert_eq!(replica.entries()[&1].status, EntryStatus::Removed);
        assert_eq!(replica.seq(), 3);
    }
}
