//! Rebuild every alert from the store (`mhub reindex`).
//!
//! Detection is a function of the stored merchants, so running it over all
//! of them must reproduce the alerts that incremental ingest raised batch by
//! batch. Alerts already right are left untouched (same signature), which
//! keeps analysts' decisions; the report lists whatever changed, so an empty
//! list is the proof that incremental and full matching agree.

use serde::{Deserialize, Serialize};

use super::{Affected, AlertChange, detect};
use crate::clock;
use crate::linking::{LinkError, Linker};
use crate::store::Store;

/// What a rebuild did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RebuildReport {
    /// Merchants read.
    pub merchants: usize,
    /// Fuzzy links found between them.
    #[serde(default)]
    pub links: usize,
    /// Alerts raised, grown or reopened by the rebuild (empty when the
    /// stored alerts were already complete).
    pub changes: Vec<AlertChange>,
}

/// Rebuild the candidate index and every fuzzy link, then run detection
/// over every stored merchant, in one transaction.
pub async fn rebuild(store: &Store, linker: &Linker) -> Result<RebuildReport, LinkError> {
    const PAGE: i64 = 10_000;
    let mut affected = Affected::default();
    let mut merchants = 0;
    let mut after = 0;
    loop {
        let page = store.merchants_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.pk;
        merchants += page.len();
        for member in &page {
            affected.add_member(member);
        }
    }
    let mut after_key = String::new();
    loop {
        let page = store.terminal_sns_page(&after_key, PAGE).await?;
        let Some(last) = page.last() else { break };
        after_key = last.clone();
        for key in page {
            affected.add_terminal_sn(key);
        }
    }
    let mut tx = store.begin_write().await?;
    let links = linker.rebuild(store, &mut tx).await?;
    let changes = detect(&mut tx, &affected, "reindex", &clock::now()).await?;
    tx.commit().await?;
    Ok(RebuildReport {
        merchants,
        links,
        changes,
    })
}
