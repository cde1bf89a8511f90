//! Detection of the verification cases (SPEC §6), run in a batch's
//! transaction beside the identifier cases: `shared_photo` and
//! `location_mismatch`. (`terminal_relocated` comes from terminal location
//! reports, [`crate::verify::terminals`], through the same [`Writer`].)

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::writer::Writer;
use super::{Affected, AlertChange};
use crate::store::{MemberRow, PhotoHolder, PhotoPair, StoreError};

/// A near-duplicate group stops growing at this many photos: past it the
/// group is something else (a stock picture every agent uses) and an
/// analyst should look rather than the walk chase it.
pub const MAX_PHOTO_GROUP: usize = 200;

/// `shared_photo`: near-duplicate photos (or the same bytes) on merchants
/// of two or more legal representatives.
///
/// The slice's photos with a stored pair, or held by more than one
/// merchant, start a walk over the pairs; the group's holders make the
/// alert when they have two legal representatives or more. The same
/// merchant's photos, or one person's shops with one picture, are no
/// finding. The alert is keyed by the group's first-stored photo, so a group
/// that grows keeps its alert.
pub(super) async fn shared_photos(
    writer: &mut Writer<'_, '_>,
    affected: &Affected,
) -> Result<Vec<AlertChange>, StoreError> {
    let shas: Vec<String> = affected.photos.iter().cloned().collect();
    if shas.is_empty() {
        return Ok(Vec::new());
    }
    let paired: BTreeSet<String> = writer
        .tx
        .photo_pairs_touching(&shas)
        .await?
        .into_iter()
        .flat_map(|p| [p.left_sha, p.right_sha])
        .collect();
    let mut holders_of: BTreeMap<String, usize> = BTreeMap::new();
    for holder in writer.tx.photo_holders(&shas).await? {
        *holders_of.entry(holder.sha256).or_default() += 1;
    }
    let seeds: Vec<&String> = shas
        .iter()
        .filter(|sha| paired.contains(*sha) || holders_of.get(*sha).is_some_and(|n| *n > 1))
        .collect();

    let mut changes = Vec::new();
    let mut grouped: BTreeSet<String> = BTreeSet::new();
    for seed in seeds {
        if grouped.contains(seed) {
            continue;
        }
        let (photos, pairs) = photo_group(writer, seed).await?;
        grouped.extend(photos.iter().cloned());
        let holders = writer.tx.photo_holders(&photos).await?;
        let people: BTreeSet<&str> = holders
            .iter()
            .map(|h| h.member.legal_rep_id_token.as_str())
            .collect();
        if people.len() < 2 {
            continue;
        }
        let mut times = writer.tx.photo_times(&photos).await?;
        times.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        let Some((first, _)) = times.first() else {
            continue;
        };
        let key = format!("photo:{first}");
        let (members, evidence, score) = photo_evidence(&holders, &pairs, people.len());
        changes.extend(
            writer
                .upsert("shared_photo", None, &key, &members, evidence, score)
                .await?,
        );
    }
    Ok(changes)
}

/// The near-duplicate group of `seed`: its photos and pairs, by a walk over
/// the stored pairs.
async fn photo_group(
    writer: &mut Writer<'_, '_>,
    seed: &str,
) -> Result<(Vec<String>, Vec<PhotoPair>), StoreError> {
    let mut photos: BTreeSet<String> = BTreeSet::from([seed.to_owned()]);
    let mut pairs: BTreeMap<(String, String), PhotoPair> = BTreeMap::new();
    let mut frontier = vec![seed.to_owned()];
    while !frontier.is_empty() && photos.len() < MAX_PHOTO_GROUP {
        let mut next = Vec::new();
        for pair in writer.tx.photo_pairs_touching(&frontier).await? {
            for end in [&pair.left_sha, &pair.right_sha] {
                if photos.len() < MAX_PHOTO_GROUP && photos.insert(end.clone()) {
                    next.push(end.clone());
                }
            }
            if photos.contains(&pair.left_sha) && photos.contains(&pair.right_sha) {
                pairs.insert((pair.left_sha.clone(), pair.right_sha.clone()), pair);
            }
        }
        frontier = next;
    }
    Ok((photos.into_iter().collect(), pairs.into_values().collect()))
}

/// Members, evidence and score of a photo group: every photo with who holds
/// it, every pair with its distances. Closer pairs score higher: the same
/// bytes 1.0, a pair at the search threshold 0.5.
fn photo_evidence(
    holders: &[PhotoHolder],
    pairs: &[PhotoPair],
    people: usize,
) -> (Vec<MemberRow>, Value, f64) {
    let mut members: Vec<MemberRow> = holders.iter().map(|h| h.member.clone()).collect();
    members.sort_by(|a, b| (&a.acquirer, &a.merchant_id).cmp(&(&b.acquirer, &b.merchant_id)));
    members.dedup_by_key(|m| m.pk);
    let mut photos: Vec<Value> = holders
        .iter()
        .map(|h| {
            json!({
                "sha256": h.sha256,
                "kind": h.kind,
                "acquirer": h.member.acquirer,
                "merchant_id": h.member.merchant_id,
                "legal_rep_id": h.member.legal_rep_id_masked,
            })
        })
        .collect();
    photos.sort_by_key(|p| p.to_string());
    let closest = pairs.iter().map(|p| p.search_bits).min().unwrap_or(0);
    let score = 1.0 - 0.5 * closest as f64 / f64::from(matcher::SEARCH_MAX_BITS);
    let evidence = json!({
        "rule": "near-duplicate photos (perceptual hash, confirmed by correlating thumbnails) on merchants of different legal representatives",
        "photos": photos,
        "pairs": pairs.iter().map(|p| json!({
            "left": p.left_sha,
            "right": p.right_sha,
            "hamming_distance": p.search_bits,
            "hash_bits": 64,
            "similarity": (p.similarity * 1000.0).round() / 1000.0,
        })).collect::<Vec<_>>(),
        "legal_reps": people,
        "thresholds": {
            "hamming_distance": matcher::SEARCH_MAX_BITS,
            "similarity": matcher::MIN_SIMILARITY,
        },
    });
    (members, evidence, score)
}

/// `location_mismatch`: a merchant whose declared region, address, GPS,
/// photos and terminals disagree ([`matcher::check_location`]). One alert
/// per merchant, keyed by it; new findings update it.
pub(super) async fn location_mismatches(
    writer: &mut Writer<'_, '_>,
    affected: &Affected,
) -> Result<Vec<AlertChange>, StoreError> {
    let flagged: Vec<&(i64, Vec<matcher::LocationFinding>)> = affected
        .locations
        .iter()
        .filter(|(_, findings)| !findings.is_empty())
        .collect();
    if flagged.is_empty() {
        return Ok(Vec::new());
    }
    let pks: Vec<i64> = flagged.iter().map(|(pk, _)| *pk).collect();
    let members: BTreeMap<i64, MemberRow> = writer
        .tx
        .members_by_pk(&pks)
        .await?
        .into_iter()
        .map(|m| (m.pk, m))
        .collect();
    let mut changes = Vec::new();
    for (pk, findings) in flagged {
        let Some(member) = members.get(pk) else {
            continue;
        };
        // Far beyond the tolerance is surer than just past it; a region
        // code that contradicts the address is a plain inconsistency.
        let score = findings
            .iter()
            .map(|f| match (f.distance_km, f.tolerance_km) {
                (Some(d), Some(t)) if d > 0.0 => (1.0 - t / d).clamp(0.3, 1.0),
                _ => 0.8,
            })
            .fold(0.0, f64::max);
        let evidence = json!({
            "rule": "declared region, address, GPS, photo EXIF GPS and terminal positions must agree within their tolerances",
            "findings": findings,
        });
        let key = format!("location:{}:{}", member.acquirer, member.merchant_id);
        changes.extend(
            writer
                .upsert(
                    "location_mismatch",
                    None,
                    &key,
                    std::slice::from_ref(member),
                    evidence,
                    score,
                )
                .await?,
        );
    }
    Ok(changes)
}

/// `terminal_relocated` (移机): raise or update the alert of one terminal
/// with its far reports as evidence. Called by
/// [`crate::verify::terminals`] in the reports' transaction.
pub async fn terminal_relocated(
    tx: &mut crate::store::WriteTx,
    actor: &str,
    now: &str,
    relocation: &TerminalRelocation<'_>,
) -> Result<Option<AlertChange>, StoreError> {
    let mut writer = Writer { tx, actor, now };
    let member = relocation.merchant;
    let farthest = relocation
        .reports
        .iter()
        .map(|r| r.distance_m)
        .fold(0.0, f64::max);
    let tolerance_m = relocation.tolerance_km * 1000.0;
    let score = (1.0 - tolerance_m / farthest.max(tolerance_m)).clamp(0.3, 1.0);
    let evidence = json!({
        "rule": "a terminal reported farther from its merchant's verified location than the tolerance",
        "terminal_id": relocation.terminal_id,
        "reference": relocation.reference,
        "tolerance_km": relocation.tolerance_km,
        "reports": relocation.reports.iter().map(|r| json!({
            "acquirer": member.acquirer,
            "merchant_id": member.merchant_id,
            "lat": r.lat,
            "lng": r.lng,
            "seen_at": r.seen_at,
            "distance_km": (r.distance_m / 100.0).round() / 10.0,
        })).collect::<Vec<_>>(),
    });
    let key = format!(
        "terminal:{}:{}:{}",
        member.acquirer, member.merchant_id, relocation.terminal_id
    );
    writer
        .upsert(
            "terminal_relocated",
            None,
            &key,
            std::slice::from_ref(member),
            evidence,
            score,
        )
        .await
}

/// What [`terminal_relocated`] writes.
pub struct TerminalRelocation<'a> {
    /// The terminal's merchant.
    pub merchant: &'a MemberRow,
    /// The terminal.
    pub terminal_id: &'a str,
    /// What its reports were measured from (`merchant GPS`, …).
    pub reference: &'a str,
    /// The tolerance exceeded, km.
    pub tolerance_km: f64,
    /// Its far reports, newest first.
    pub reports: &'a [crate::store::TerminalReportRow],
}
