//! Rebuild every alert from the store (`mhub reindex`).
//!
//! Detection is a function of the stored merchants, so running it over all
//! of them must reproduce the alerts that incremental ingest raised batch by
//! batch. Alerts already right are left untouched (same signature), which
//! keeps analysts' decisions; the report lists whatever changed, so an empty
//! list is the proof that incremental and full matching agree.

use serde::{Deserialize, Serialize};

use matcher::LocationPolicy;

use super::{Affected, AlertChange, Ties, detect};
use crate::clock;
use crate::linking::{LinkError, Linker};
use crate::store::{SharedKind, Store, StoreError, WriteTx};
use crate::verify::PhotoMatcher;

/// What a rebuild did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RebuildReport {
    /// Merchants read.
    pub merchants: usize,
    /// Fuzzy links found between them, each pair once.
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
    let photos = PhotoMatcher::load(store).await?;
    let mut tx = store.begin_write().await?;
    // The one pass over every record (the linker's) notes the checks that
    // need the records themselves; the identifiers come from the store's
    // own grouping afterwards, once the links are in.
    let mut checked = Affected::default();
    let mut merchants = 0;
    let links = linker
        .rebuild(store, &mut tx, |page| {
            merchants += page.len();
            for (pk, record) in page {
                checked.add_checks(*pk, record, policy);
            }
        })
        .await?;
    let started = std::time::Instant::now();
    tx.clear_photo_pairs().await?;
    let mut photo_pairs = 0;
    for candidates in photos.all_candidates().chunks(10_000) {
        let pairs = crate::verify::confirm(&mut tx, candidates, &Default::default()).await?;
        photo_pairs += pairs.len();
        tx.insert_photo_pairs(&pairs).await?;
    }
    let affected = Affected {
        photos: checked.photos,
        locations: checked.locations,
        ..shared_identifiers(&mut tx).await?
    };
    tracing::info!(
        photo_pairs,
        seconds = started.elapsed().as_secs_f64(),
        "rebuild: photo pairs and shared identifiers read"
    );
    let started = std::time::Instant::now();
    let changes = Box::pin(detect(&mut tx, &affected, "reindex", &clock::now())).await?;
    tx.commit().await?;
    tracing::info!(
        changes = changes.len(),
        seconds = started.elapsed().as_secs_f64(),
        "rebuild: alerts detected and committed"
    );
    Ok(RebuildReport {
        merchants,
        links,
        photo_pairs,
        changes,
    })
}

/// The identifiers detection over the whole store needs, as if every
/// merchant had been touched: values two or more merchants hold (a value
/// of one merchant's makes no alert), and the ties of every legal
/// representative who may be linked to another person. The rest, every
/// merchant's own values, would cost memory and statements in proportion
/// to the store and change nothing: detection is the same function of a
/// smaller argument.
async fn shared_identifiers(tx: &mut WriteTx) -> Result<Affected, StoreError> {
    let mut affected = Affected {
        legal_reps: tx.all_shared(SharedKind::LegalRep).await?,
        phones: tx.all_shared(SharedKind::Phone).await?,
        accounts: tx.all_shared(SharedKind::Account).await?,
        terminal_sns: tx
            .all_shared(SharedKind::TerminalSn)
            .await?
            .into_keys()
            .collect(),
        ..Affected::default()
    };
    for member in tx.members_that_may_tie().await? {
        affected
            .legal_reps
            .entry(member.legal_rep_id_token.clone())
            .or_insert_with(|| member.legal_rep_id_masked.clone());
        affected.ties.push(Ties::of(&member));
    }
    Ok(affected)
}
