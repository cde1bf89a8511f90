//! Rebuild every alert from the store (`mhub reindex`).
//!
//! Detection is a function of the stored merchants, so running it over all
//! of them must reproduce the alerts that incremental ingest raised batch by
//! batch. Alerts already right are left untouched (same signature), which
//! keeps analysts' decisions; the report lists whatever changed, so an empty
//! list is the proof that incremental and full matching agree.

use serde::{Deserialize, Serialize};

use matcher::LocationPolicy;

use super::{Affected, AlertChange, detect};
use crate::clock;
use crate::linking::{LinkError, Linker};
use crate::store::Store;
use crate::verify::PhotoMatcher;

/// What a rebuild did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RebuildReport {
    /// Merchants read.
    pub merchants: usize,
    /// Fuzzy links found between them.
    #[serde(default)]
    pub links: usize,
    /// Near-duplicate photo pairs found.
    #[serde(default)]
    pub photo_pairs: usize,
    /// Alerts raised, grown or reopened by the rebuild (empty when the
    /// stored alerts were already complete).
    pub changes: Vec<AlertChange>,
}

/// Rebuild the candidate index, every fuzzy link and every photo pair, then
/// run detection over every stored merchant (location checks under
/// `policy`), in one transaction. `terminal_relocated` alerts come from
/// terminal reports, not from merchants, and are left as they are.
pub async fn rebuild(
    store: &Store,
    linker: &Linker,
    policy: &LocationPolicy,
) -> Result<RebuildReport, LinkError> {
    const PAGE: i64 = 10_000;
    let mut affected = Affected::default();
    let mut merchants = 0;
    let mut after = 0;
    loop {
        let page = store.current_records_page(0, after, PAGE).await?;
        let Some((last, _)) = page.last() else { break };
        after = *last;
        merchants += page.len();
        for (pk, record) in &page {
            affected.add(*pk, record, policy);
        }
    }
    let photos = PhotoMatcher::load(store).await?;
    let mut tx = store.begin_write().await?;
    let links = linker.rebuild(store, &mut tx).await?;
    tx.clear_photo_pairs().await?;
    let mut photo_pairs = 0;
    for candidates in photos.all_candidates().chunks(10_000) {
        let pairs = crate::verify::confirm(&mut tx, candidates, &Default::default()).await?;
        photo_pairs += pairs.len();
        tx.insert_photo_pairs(&pairs).await?;
    }
    let changes = Box::pin(detect(&mut tx, &affected, "reindex", &clock::now())).await?;
    tx.commit().await?;
    Ok(RebuildReport {
        merchants,
        links,
        photo_pairs,
        changes,
    })
}
