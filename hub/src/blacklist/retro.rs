//! Retro screening (SPEC §7): when an entry becomes active, every stored
//! merchant of every acquirer and every screen kept for the retention
//! period is screened against it, in the approving transaction.
//!
//! Candidates come from the store's identifier indexes (USCC, document,
//! phone and account tokens, terminal SN keys) and, for merchant and
//! outsourcer names, from the candidate index's name search; each is then
//! compared with [`matcher::compare`], the rule every other screen uses.

use feed::EntrySnapshot;
use matcher::{ListedEntry, SubjectType, TerminalSn};

use crate::alerts::{self, AlertChange, ScreenHit};
use crate::linking::Linker;
use crate::store::{Identifiers, StoreError, WriteTx};

/// Name-search candidates read per entry.
const NAME_CANDIDATES: usize = 200;

/// Screens read per page.
const SCREEN_PAGE: i64 = 5_000;

/// What the retro screen found.
#[derive(Debug, Default)]
pub(super) struct Retro {
    pub(super) merchants: usize,
    pub(super) screenings: usize,
    pub(super) alert: Option<AlertChange>,
}

fn identifiers(entry: &ListedEntry) -> Identifiers {
    let s = &entry.subject;
    let token =
        |p: &Option<matcher::Protected>| p.iter().map(|p| p.token.to_string()).collect::<Vec<_>>();
    Identifiers {
        usccs: s.uscc.iter().cloned().collect(),
        person_ids: token(&s.person_id),
        phones: token(&s.phone),
        accounts: token(&s.account),
        sn_keys: s
            .sn
            .as_deref()
            .and_then(|sn| TerminalSn::parse(sn).ok())
            .map(|sn| sn.match_key())
            .into_iter()
            .collect(),
    }
}

/// Screen the store and the kept screens against `snapshot`; raise or grow
/// its `blacklist_hit` alert.
pub(super) async fn screen_entry(
    tx: &mut WriteTx,
    linker: &Linker,
    snapshot: &EntrySnapshot,
    now: &str,
    actor: &str,
) -> Result<Retro, StoreError> {
    let entry = snapshot.listed();
    let mut pks = tx.merchants_with_identifiers(&identifiers(&entry)).await?;
    if matches!(
        entry.subject_type,
        SubjectType::Merchant | SubjectType::Outsourcer
    ) && let Some(name) = &entry.subject.name
    {
        // The index may be behind by the batches of another hub; their
        // rows were screened on ingest against the replica anyway.
        match linker.search(name.clone(), NAME_CANDIDATES).await {
            Ok(found) => pks.extend(found.into_iter().map(|(pk, _)| pk)),
            Err(error) => tracing::warn!(%error, "retro screen: name search failed"),
        }
        pks.sort_unstable();
        pks.dedup();
    }
    let mut merchants = Vec::new();
    for (pk, record) in tx.current_records(&pks).await? {
        if let Some(hit) = matcher::compare(&entry, &record) {
            merchants.push((pk, hit));
        }
    }
    let mut screens = Vec::new();
    let mut after = 0;
    loop {
        let page = tx.screenings_page(now, after, SCREEN_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for row in page {
            let record: matcher::MerchantRecord = serde_json::from_str(&row.record)?;
            if let Some(hit) = matcher::compare(&entry, &record) {
                screens.push(ScreenHit {
                    screening_id: row.id,
                    acquirer: row.acquirer,
                    merchant_id: row.merchant_id,
                    at: row.at,
                    hit,
                });
            }
        }
    }
    let alert = alerts::blacklist_hit(tx, actor, now, snapshot, &merchants, &screens).await?;
    Ok(Retro {
        merchants: merchants.len(),
        screenings: screens.len(),
        alert,
    })
}
