//! Matching a batch in bounded memory.
//!
//! Detection needs the identifiers a batch touched. Holding them for a whole
//! million-row batch would make memory grow with the batch, so the batch is
//! matched in slices: every [`SLICE`] stored rows, detection runs on what
//! those rows touched (inside the batch's transaction, so it sees every row
//! stored so far) and the slice is forgotten. A group that later rows of the
//! same batch extend is simply grown again; the batch result reports each
//! alert once, with its final size.

use std::collections::BTreeMap;

use matcher::MerchantRecord;

use super::{Affected, AlertChange, detect};
use crate::linking::{LinkError, LinkSession};
use crate::store::WriteTx;

/// Rows per detection slice.
pub const SLICE: usize = 5_000;

/// The matching state of one batch.
pub struct BatchMatcher {
    actor: String,
    affected: Affected,
    /// The slice's stored merchants, for fuzzy linking.
    slice: Vec<(i64, MerchantRecord)>,
    linking: LinkSession,
    changes: BTreeMap<i64, AlertChange>,
}

impl BatchMatcher {
    /// Matching for the batch `actor` (`batch:<id>`), linking through `linking`.
    pub fn new(actor: String, linking: LinkSession) -> BatchMatcher {
        BatchMatcher {
            actor,
            affected: Affected::default(),
            slice: Vec::new(),
            linking,
            changes: BTreeMap::new(),
        }
    }

    /// Note a stored row (its store key and record); runs linking and
    /// detection when a slice is full.
    pub async fn add(
        &mut self,
        tx: &mut WriteTx,
        pk: i64,
        record: MerchantRecord,
        now: &str,
    ) -> Result<(), LinkError> {
        self.affected.add(pk, &record);
        self.slice.push((pk, record));
        if self.slice.len() >= SLICE {
            self.flush(tx, now).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut WriteTx, now: &str) -> Result<(), LinkError> {
        let affected = std::mem::take(&mut self.affected);
        // Links first: detection grows linked clusters along them.
        self.linking
            .link(tx, std::mem::take(&mut self.slice))
            .await?;
        for change in detect(tx, &affected, &self.actor, now).await? {
            match self.changes.get_mut(&change.id) {
                // Raised earlier in this batch: still "raised", now bigger.
                Some(first) if first.change == "raised" => first.member_count = change.member_count,
                _ => {
                    self.changes.insert(change.id, change);
                }
            }
        }
        Ok(())
    }

    /// Match the last slice and return every alert the batch raised, grew
    /// or reopened, with the linking session to close once the batch has
    /// committed ([`LinkSession::committed`]).
    pub async fn finish(
        mut self,
        tx: &mut WriteTx,
        now: &str,
    ) -> Result<(Vec<AlertChange>, LinkSession), LinkError> {
        self.flush(tx, now).await?;
        Ok((self.changes.into_values().collect(), self.linking))
    }
}
