//! Scoring a pair of merchants for the `linked` subtype of
//! `one_person_many_merchants` (SPEC §5): nominees tied together with no
//! shared identifier.
//!
//! The hub raises the identifier-tied cases with exact rules; this module
//! decides the fuzzy ones, where nothing is equal byte for byte and the
//! danger is as much a false link as a missed one. Common names (`张伟`),
//! chain brands (`沙县小吃`), malls (one building, many units) and shops that
//! changed owner must never become "one person".
//!
//! # Signals
//!
//! Each signal found becomes an [`Evidence`] item with
//! `weight = base × similarity × rarity(df)` ([`rarity`], `df` the number of
//! stored merchants sharing the value, the larger of the two sides):
//!
//! | signal | fires when | base |
//! |---|---|---|
//! | premises | same area (finest division), [`Premises::compare`] matches | [`W_PREMISES`] for the same door, [`W_BUILDING`] when only one side writes a unit |
//! | gps | both have GPS, great-circle distance ≤ [`GPS_MAX_M`] | [`W_GPS`] (no rarity; similarity `1 − d / 2·GPS_MAX_M`) |
//! | name_family | equal family key of ≥ 3 characters, equal cores of ≥ 2, or cores of ≥ 4 with Jaro-Winkler ≥ [`NAME_MIN_SIMILARITY`] | [`W_NAME`] |
//! | legal_rep_name | the legal representatives' names are equal (different documents) | [`W_LEGAL_REP_NAME`] |
//! | controller | personal cards held by one person who is neither legal representative, or one merchant's card held by the other's legal representative; never corporate accounts (an outsourcer settling for many is a hub, SPEC §5) | [`W_CONTROLLER`] |
//! | photo | a photo hash in common | [`W_PHOTO`] |
//!
//! Place-bound values (premises, names) are counted within their district,
//! persons and photos nationwide ([`FrequencyField`]).
//!
//! # Rules
//!
//! Signals fall in four categories: place (premises, gps), name, person
//! (legal rep name, controller) and photo. A pair with different legal
//! representatives is linked only when
//!
//! 1. an **anchor** of weight ≥ [`MIN_ANCHOR_WEIGHT`] exists:
//!    - `co_located`: the premises; or
//!    - `controller`: the controller signal, both merchants in one city;
//! 2. at least one **corroboration** of weight ≥ [`MIN_CORROBORATION_WEIGHT`]
//!    comes from *another category* than the anchor (a GPS fix is usually
//!    geocoded from the same address, so it supports the premises but never
//!    corroborates them);
//! 3. the score `1 − Π(1 − weight)` over the counted evidence is ≥
//!    [`LINK_MIN_SCORE`].
//!
//! So a common name alone, a chain brand alone, a shared building alone or
//! GPS alone never links, and a very common value is worth nothing: a
//! mall's building (different units) is no premises match at all, and a
//! market's shared address, a brand's name or `张伟` falls to rarity 0.
//!
//! **Owner change guard.** When one merchant was terminated on or before the
//! other was onboarded (or exactly one is terminated and the dates are
//! unknown), the shop was handed over: the new owner keeps the address, the
//! GPS, often the sign and the storefront. GPS, name and photo evidence are
//! then ignored, and only a person signal (the old owner's name on the new
//! card) can corroborate.
//!
//! The same legal-representative token links at once ([`Rule::SameLegalRep`],
//! score 1): the hub's `exact` case, included so clusters are whole.
//!
//! # Determinism
//!
//! [`score`] and [`explain`] order the pair by key (left is the smaller), all
//! similarities are symmetric, and evidence comes in [`Signal`] order: the
//! same two records and counts always give the same link and explanation.

use serde::Serialize;

use crate::explanation::{Evidence, Explanation, Role, Rule, Signal};
use crate::frequency::{Frequencies, FrequencyField, rarity};
use crate::fuzzy::FuzzyRecord;
use crate::premises::PremisesLevel;

/// A pair links only with a score at least this high.
pub const LINK_MIN_SCORE: f64 = 0.55;

/// An anchor (premises or controller) must weigh at least this much: a
/// premises match shared by more than about 30 merchants is not one.
pub const MIN_ANCHOR_WEIGHT: f64 = 0.2;

/// A corroborating signal must weigh at least this much: a name family
/// shared by more than about 45 merchants of the district does not count.
pub const MIN_CORROBORATION_WEIGHT: f64 = 0.1;

/// GPS fixes at most this far apart (metres) are one place (SPEC §5:
/// "GPS within ~150 m").
pub const GPS_MAX_M: f64 = 150.0;

/// Name cores of 4 or more characters at least this similar
/// (Jaro-Winkler) are one name: a typo, not `老王烟酒` / `老李烟酒` (0.85).
pub const NAME_MIN_SIMILARITY: f64 = 0.92;

/// Base weight of the same door.
pub const W_PREMISES: f64 = 0.45;
/// Base weight of the same building with a unit written on one side only.
pub const W_BUILDING: f64 = 0.25;
/// Base weight of GPS fixes within [`GPS_MAX_M`].
pub const W_GPS: f64 = 0.2;
/// Base weight of a shop-name family.
pub const W_NAME: f64 = 0.35;
/// Base weight of legal representatives of one name.
pub const W_LEGAL_REP_NAME: f64 = 0.25;
/// Base weight of the controller's name on the settlement cards.
pub const W_CONTROLLER: f64 = 0.45;
/// Base weight of a shared photo.
pub const W_PHOTO: f64 = 0.35;

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Two merchants found to be one person, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    /// The smaller key.
    pub left: u64,
    /// The larger key.
    pub right: u64,
    /// The explanation's score, 0–1.
    pub score: f64,
    /// Why.
    pub explanation: Explanation,
}

/// Links `a` and `b` if the rules in the module documentation say they are
/// one person; `None` otherwise (see [`explain`] for why not). Symmetric.
pub fn score<F>(a: &FuzzyRecord, b: &FuzzyRecord, frequencies: &F) -> Option<Link>
where
    F: Frequencies + ?Sized,
{
    if !may_link(a, b) {
        return None;
    }
    let (left, right) = ordered(a, b);
    let explanation = evaluate(left, right, frequencies);
    explanation.is_link().then(|| Link {
        left: left.key(),
        right: right.key(),
        score: explanation.score,
        explanation,
    })
}

/// The decision on `a` and `b` with every reason, linked or not (left is
/// the record with the smaller key).
pub fn explain<F>(a: &FuzzyRecord, b: &FuzzyRecord, frequencies: &F) -> Explanation
where
    F: Frequencies + ?Sized,
{
    let (left, right) = ordered(a, b);
    evaluate(left, right, frequencies)
}

/// Whether `a` and `b` could link at all. Every rule needs an anchor, and
/// an anchor is one legal representative, the same premises within one area,
/// or a controller's name across both within one city; this checks those
/// necessary conditions without rarity counts or explanations, so the
/// candidates that cannot link (nearly all: neighbours on one street) cost a
/// few comparisons instead of a full [`evaluate`]. [`score`] agrees with
/// [`explain`] whatever this answers, as a test checks.
fn may_link(a: &FuzzyRecord, b: &FuzzyRecord) -> bool {
    if a.legal_rep_id().token == b.legal_rep_id().token {
        return true;
    }
    let same = |x: Option<crate::RegionCode>, y: Option<crate::RegionCode>| matches!((x, y), (Some(x), Some(y)) if x.as_str() == y.as_str());
    if same(a.area(), b.area()) && a.premises().compare(b.premises()).is_ok() {
        return true;
    }
    let holds = |card: &FuzzyRecord, other: &FuzzyRecord| {
        card.controller()
            .is_some_and(|x| other.controller() == Some(x) || other.legal_rep_name() == x)
    };
    same(a.city_area(), b.city_area()) && (holds(a, b) || holds(b, a))
}

fn ordered<'r>(a: &'r FuzzyRecord, b: &'r FuzzyRecord) -> (&'r FuzzyRecord, &'r FuzzyRecord) {
    if a.key() <= b.key() { (a, b) } else { (b, a) }
}

/// The rules, with `a` as the left side. Symmetric in everything but the
/// left/right order of displayed values.
fn evaluate<F>(a: &FuzzyRecord, b: &FuzzyRecord, freq: &F) -> Explanation
where
    F: Frequencies + ?Sized,
{
    let mut notes = Vec::new();
    if a.key() == b.key() {
        notes.push("the same merchant".to_owned());
        return finish(None, Vec::new(), notes);
    }
    if a.legal_rep_id().token == b.legal_rep_id().token {
        let evidence = vec![Evidence {
            signal: Signal::LegalRepId,
            role: Role::Anchor,
            left: a.legal_rep_id().masked.clone(),
            right: b.legal_rep_id().masked.clone(),
            similarity: 1.0,
            frequency: None,
            rarity: 1.0,
            base_weight: 1.0,
            weight: 1.0,
            detail: "same identity token".to_owned(),
        }];
        return finish(Some(Rule::SameLegalRep), evidence, notes);
    }

    let mut evidence: Vec<Evidence> = [
        premises(a, b, freq, &mut notes),
        gps(a, b),
        name_family(a, b, freq),
        legal_rep_name(a, b, freq),
        controller(a, b, freq),
        photo(a, b, freq),
    ]
    .into_iter()
    .flatten()
    .collect();

    if let Some(why) = succession(a, b) {
        notes.push(format!(
            "owner change guard: {why}; GPS, name and photo evidence ignored"
        ));
        for e in &mut evidence {
            if matches!(e.signal, Signal::Gps | Signal::NameFamily | Signal::Photo) {
                e.role = Role::Ignored;
            }
        }
    }

    let rule = co_located(&evidence, &mut notes).or_else(|| {
        let same_city = a.city_area().is_some()
            && a.city_area().map(|c| c.as_str()) == b.city_area().map(|c| c.as_str());
        controlled(&evidence, same_city, &mut notes)
    });
    let Some((rule, anchor, corroborations)) = rule else {
        return finish(None, evidence, notes);
    };
    evidence[anchor].role = Role::Anchor;
    for i in corroborations {
        evidence[i].role = Role::Corroboration;
    }
    finish(Some(rule), evidence, notes)
}

/// Fills in the score; drops the rule when the score is below the bar.
fn finish(rule: Option<Rule>, evidence: Vec<Evidence>, mut notes: Vec<String>) -> Explanation {
    let score = 1.0
        - evidence
            .iter()
            .filter(|e| e.role != Role::Ignored)
            .map(|e| 1.0 - e.weight)
            .product::<f64>();
    let rule = match rule {
        Some(r) if r != Rule::SameLegalRep && score < LINK_MIN_SCORE => {
            notes.push(format!(
                "{}: score {score:.3} below {LINK_MIN_SCORE}",
                r.as_str()
            ));
            None
        }
        r => r,
    };
    Explanation {
        rule,
        score,
        threshold: LINK_MIN_SCORE,
        evidence,
        notes,
    }
}

/// An anchor's index and the indices of its corroborations.
type Fired = (Rule, usize, Vec<usize>);

fn co_located(evidence: &[Evidence], notes: &mut Vec<String>) -> Option<Fired> {
    let anchor = evidence
        .iter()
        .position(|e| e.signal == Signal::Premises && e.role != Role::Ignored)?;
    anchored(Rule::CoLocated, anchor, evidence, notes)
}

fn controlled(evidence: &[Evidence], same_city: bool, notes: &mut Vec<String>) -> Option<Fired> {
    let anchor = evidence
        .iter()
        .position(|e| e.signal == Signal::Controller && e.role != Role::Ignored)?;
    if !same_city {
        notes.push("controller: the merchants are in different cities".to_owned());
        return None;
    }
    anchored(Rule::Controller, anchor, evidence, notes)
}

fn anchored(
    rule: Rule,
    anchor: usize,
    evidence: &[Evidence],
    notes: &mut Vec<String>,
) -> Option<Fired> {
    let a = &evidence[anchor];
    if a.weight < MIN_ANCHOR_WEIGHT {
        notes.push(format!(
            "{}: {} too common to anchor a link (weight {:.3} < {MIN_ANCHOR_WEIGHT})",
            rule.as_str(),
            a.signal.as_str(),
            a.weight
        ));
        return None;
    }
    let category = a.signal.category();
    let corroborations: Vec<usize> = evidence
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.role != Role::Ignored
                && e.signal.category() != category
                && e.weight >= MIN_CORROBORATION_WEIGHT
        })
        .map(|(i, _)| i)
        .collect();
    if corroborations.is_empty() {
        notes.push(format!(
            "{}: no independent corroboration ({} needs a signal of another category of weight ≥ {MIN_CORROBORATION_WEIGHT})",
            rule.as_str(),
            a.signal.as_str()
        ));
        return None;
    }
    Some((rule, anchor, corroborations))
}

fn evidence(
    signal: Signal,
    left: String,
    right: String,
    similarity: f64,
    frequency: Option<u64>,
    base_weight: f64,
    detail: String,
) -> Evidence {
    let r = frequency.map_or(1.0, rarity);
    Evidence {
        signal,
        role: Role::Support,
        left,
        right,
        similarity,
        frequency,
        rarity: r,
        base_weight,
        weight: base_weight * similarity * r,
        detail,
    }
}

/// The larger count of the two sides' keys for `field`.
fn df<F>(freq: &F, field: FrequencyField, a: &FuzzyRecord, b: &FuzzyRecord) -> u64
where
    F: Frequencies + ?Sized,
{
    [a, b]
        .iter()
        .filter_map(|r| r.frequency_key(field))
        .map(|k| freq.count(field, &k))
        .max()
        .unwrap_or(0)
}

fn premises<F>(
    a: &FuzzyRecord,
    b: &FuzzyRecord,
    freq: &F,
    notes: &mut Vec<String>,
) -> Option<Evidence>
where
    F: Frequencies + ?Sized,
{
    let (area_a, area_b) = (a.area()?, b.area()?);
    if area_a.as_str() != area_b.as_str() {
        return None;
    }
    let m = match a.premises().compare(b.premises()) {
        Ok(m) => m,
        Err(why) => {
            notes.push(format!("premises: {why}"));
            return None;
        }
    };
    let (field, base) = match m.level {
        PremisesLevel::Unit => (FrequencyField::Premises, W_PREMISES),
        PremisesLevel::Building => (FrequencyField::Building, W_BUILDING),
    };
    Some(evidence(
        Signal::Premises,
        a.address().canonical(),
        b.address().canonical(),
        m.similarity,
        Some(df(freq, field, a, b)),
        base,
        m.detail,
    ))
}

fn gps(a: &FuzzyRecord, b: &FuzzyRecord) -> Option<Evidence> {
    let (p, q) = (a.location()?, b.location()?);
    let d = distance_m(p.lat, p.lng, q.lat, q.lng);
    if d > GPS_MAX_M {
        return None;
    }
    let fix = |lat: f64, lng: f64| format!("{lat:.5},{lng:.5}");
    Some(evidence(
        Signal::Gps,
        fix(p.lat, p.lng),
        fix(q.lat, q.lng),
        1.0 - d / (2.0 * GPS_MAX_M),
        None,
        W_GPS,
        format!("distance {d:.0} m"),
    ))
}

fn name_family<F>(a: &FuzzyRecord, b: &FuzzyRecord, freq: &F) -> Option<Evidence>
where
    F: Frequencies + ?Sized,
{
    let (ca, cb) = (a.name_core().as_str(), b.name_core().as_str());
    let (na, nb) = (ca.chars().count(), cb.chars().count());
    if na == 0 || nb == 0 {
        return None;
    }
    let jw = strsim::jaro_winkler(ca, cb).max(strsim::jaro_winkler(cb, ca));
    let (similarity, field, detail) = if a.family() == b.family() && a.family().chars().count() >= 3
    {
        (
            1.0,
            FrequencyField::NameFamily,
            format!(
                "family {}; cores {ca} / {cb} (Jaro-Winkler {jw:.2})",
                a.family()
            ),
        )
    } else if ca == cb && na >= 2 {
        (1.0, FrequencyField::NameCore, format!("core {ca}"))
    } else if na.min(nb) >= 4 && jw >= NAME_MIN_SIMILARITY {
        (
            jw,
            FrequencyField::NameCore,
            format!("cores {ca} / {cb} (Jaro-Winkler {jw:.2} ≥ {NAME_MIN_SIMILARITY})"),
        )
    } else {
        return None;
    };
    Some(evidence(
        Signal::NameFamily,
        a.name().to_owned(),
        b.name().to_owned(),
        similarity,
        Some(df(freq, field, a, b)),
        W_NAME,
        detail,
    ))
}

fn legal_rep_name<F>(a: &FuzzyRecord, b: &FuzzyRecord, freq: &F) -> Option<Evidence>
where
    F: Frequencies + ?Sized,
{
    let name = a.legal_rep_name();
    if name.is_empty() || name != b.legal_rep_name() {
        return None;
    }
    Some(evidence(
        Signal::LegalRepName,
        format!("{name} ({})", a.legal_rep_id().masked),
        format!("{name} ({})", b.legal_rep_id().masked),
        1.0,
        Some(df(freq, FrequencyField::LegalRepName, a, b)),
        W_LEGAL_REP_NAME,
        "same name, different identity documents".to_owned(),
    ))
}

fn controller<F>(a: &FuzzyRecord, b: &FuzzyRecord, freq: &F) -> Option<Evidence>
where
    F: Frequencies + ?Sized,
{
    let side = |r: &FuzzyRecord| {
        format!(
            "card holder {} (legal rep {})",
            r.account_holder(),
            r.legal_rep_name()
        )
    };
    let count = |field: FrequencyField, name: &str| freq.count(field, name);
    let found = |frequency: u64, detail: String| {
        Some(evidence(
            Signal::Controller,
            side(a),
            side(b),
            1.0,
            Some(frequency),
            W_CONTROLLER,
            detail,
        ))
    };
    if let (Some(x), Some(y)) = (a.controller(), b.controller())
        && x == y
    {
        return found(
            count(FrequencyField::Controller, x),
            format!("{x} holds both settlement cards and is neither legal rep"),
        );
    }
    // One merchant's card held by the other's legal representative: the
    // count is the larger of the name's counts as controller and as rep.
    let held_by_rep = |card: &FuzzyRecord, rep: &FuzzyRecord| {
        let x = card.controller().filter(|x| *x == rep.legal_rep_name())?;
        let n = count(FrequencyField::Controller, x).max(count(FrequencyField::LegalRepName, x));
        Some((
            n,
            x.to_owned(),
            card.merchant_id().to_owned(),
            rep.merchant_id().to_owned(),
        ))
    };
    let (n, x, card, rep) = match (held_by_rep(a, b), held_by_rep(b, a)) {
        (Some(p), Some(q)) => {
            if q.0 < p.0 {
                q
            } else {
                p
            }
        }
        (p, q) => p.or(q)?,
    };
    found(
        n,
        format!("{x}, legal rep of {rep}, holds the settlement card of {card}"),
    )
}

fn photo<F>(a: &FuzzyRecord, b: &FuzzyRecord, freq: &F) -> Option<Evidence>
where
    F: Frequencies + ?Sized,
{
    let shared: Vec<&String> = a
        .photo_hashes()
        .iter()
        .filter(|h| b.photo_hashes().binary_search(h).is_ok())
        .collect();
    // The rarest shared photo (the first in hash order among equals).
    let (n, hash) = shared
        .iter()
        .map(|h| (freq.count(FrequencyField::Photo, h), *h))
        .min()?;
    Some(evidence(
        Signal::Photo,
        hash.clone(),
        hash.clone(),
        1.0,
        Some(n),
        W_PHOTO,
        format!("{} photo(s) in common", shared.len()),
    ))
}

/// Why the pair looks like a handover of one shop, if it does.
fn succession(a: &FuzzyRecord, b: &FuzzyRecord) -> Option<String> {
    let handed_over = |old: &FuzzyRecord, new: &FuzzyRecord| -> Option<String> {
        if !old.is_terminated() {
            return None;
        }
        match (date(old.terminated_at()), date(new.onboarded_at())) {
            (Some(ended), Some(began)) => (began >= ended).then(|| {
                format!(
                    "{} terminated {ended}, {} onboarded {began}",
                    old.merchant_id(),
                    new.merchant_id()
                )
            }),
            _ => (!new.is_terminated()).then(|| {
                format!(
                    "{} terminated, {} trading (dates unknown)",
                    old.merchant_id(),
                    new.merchant_id()
                )
            }),
        }
    };
    handed_over(a, b).or_else(|| handed_over(b, a))
}

/// The `YYYY-MM-DD` date an ISO-8601 string starts with, if it is one.
fn date(s: Option<&str>) -> Option<time::Date> {
    let day = s?.get(..10)?;
    time::Date::parse(
        day,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// Great-circle (haversine) distance in metres. The `geo` crate would do
/// it too; matcher does not depend on it for one formula, and at 150 m the
/// spherical error is far below GPS noise.
fn distance_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::clusters;
    use crate::frequency::FrequencyTable;
    use crate::record::{
        AccountKind, Coordinates, MerchantRecord, MerchantStatus, PhotoKind, PhotoRef,
    };
    use crate::test_support::{merchant, same_rep};
    use proptest::prelude::*;

    /// 华强北路18号, 深圳福田 (WGS-84).
    const HQB: (f64, f64) = (22.5431, 114.0579);

    fn at(m: &mut MerchantRecord, (lat, lng): (f64, f64), north_m: f64) {
        m.location = Some(Coordinates {
            lat: lat + north_m / 111_195.0,
            lng,
        });
    }

    fn records(merchants: &[MerchantRecord]) -> Vec<FuzzyRecord> {
        merchants
            .iter()
            .enumerate()
            .map(|(i, m)| FuzzyRecord::from_record(i as u64 + 1, m))
            .collect()
    }

    fn table(records: &[FuzzyRecord]) -> FrequencyTable {
        let mut t = FrequencyTable::new();
        for r in records {
            t.add(r);
        }
        t
    }

    /// Every link among `records`, pairwise (fine for a handful).
    fn all_links(records: &[FuzzyRecord], freq: &FrequencyTable) -> Vec<Link> {
        let mut links = Vec::new();
        for (i, a) in records.iter().enumerate() {
            for b in &records[i + 1..] {
                links.extend(score(a, b, freq));
            }
        }
        links
    }

    /// 老王's ring: three nominees at one shop written three ways.
    fn lao_wang_ring(controller: Option<&str>) -> Vec<MerchantRecord> {
        let mut ms = vec![
            merchant("M1", "老王烟酒店", "广东省深圳市福田区华强北路18号", "张三"),
            merchant("M2", "老王烟酒商行", "深圳市福田区华强北路十八号", "李四"),
            merchant("M3", "王记烟酒", "深圳福田区华强北路１８号", "赵五"),
        ];
        for (i, m) in ms.iter_mut().enumerate() {
            at(m, HQB, 20.0 * i as f64);
            if let Some(c) = controller {
                m.settlement_account.name = c.to_owned();
            }
        }
        ms
    }

    #[test]
    fn a_shop_name_family_at_one_premises_written_differently_links() {
        let rs = records(&lao_wang_ring(Some("王大富")));
        let freq = table(&rs);
        let links = all_links(&rs, &freq);
        assert_eq!(links.len(), 3, "{links:#?}");
        for link in &links {
            let e = &link.explanation;
            assert_eq!(e.rule, Some(Rule::CoLocated), "{e}");
            assert_eq!(e.evidence(Signal::Premises).unwrap().role, Role::Anchor);
            assert_eq!(
                e.evidence(Signal::NameFamily).unwrap().role,
                Role::Corroboration
            );
            assert_eq!(
                e.evidence(Signal::Controller).unwrap().role,
                Role::Corroboration
            );
            assert_eq!(e.evidence(Signal::Gps).unwrap().role, Role::Support);
            assert!(link.score >= LINK_MIN_SCORE);
        }
        assert_eq!(clusters(&links), vec![vec![1, 2, 3]]);
    }

    #[test]
    fn premises_and_name_family_link_without_a_controller() {
        let rs = records(&lao_wang_ring(None));
        let freq = table(&rs);
        let link = score(&rs[0], &rs[2], &freq).expect("linked");
        assert!(link.explanation.evidence(Signal::Controller).is_none());
        assert_eq!(link.explanation.rule, Some(Rule::CoLocated));
    }

    #[test]
    fn the_same_premises_alone_does_not_link() {
        let mut ms = lao_wang_ring(None);
        ms[1].name = "鑫隆百货商店".into();
        let rs = records(&ms);
        let freq = table(&rs);
        let e = explain(&rs[0], &rs[1], &freq);
        assert_eq!(e.rule, None, "{e}");
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("no independent corroboration")),
            "{e}"
        );
    }

    #[test]
    fn zhang_wei_in_two_cities_does_not_link() {
        let ms = [
            merchant("M1", "张伟便利店", "广东省深圳市福田区华强北路18号", "张伟"),
            merchant("M2", "张伟便利店", "北京市朝阳区建国路88号", "张伟"),
            merchant("M3", "张伟超市", "广东省深圳市福田区深南中路3号", "张伟"),
        ];
        let rs = records(&ms);
        let mut freq = table(&rs);
        freq.set(FrequencyField::LegalRepName, "张伟", 5_000);
        for (a, b) in [(0, 1), (0, 2), (1, 2)] {
            let e = explain(&rs[a], &rs[b], &freq);
            assert_eq!(e.rule, None, "{e}");
        }
        // Even a 张伟 of ours at one premises is no evidence: the name is too common.
        let e = explain(&rs[0], &rs[1], &freq);
        assert_eq!(e.evidence(Signal::LegalRepName).unwrap().rarity, 0.0);
    }

    #[test]
    fn chain_outlets_with_unrelated_owners_do_not_link() {
        let ms = [
            merchant(
                "M1",
                "沙县小吃(建设路店)",
                "广东省深圳市福田区建设路12号",
                "陈明",
            ),
            merchant(
                "M2",
                "沙县小吃(人民路店)",
                "湖南省长沙市岳麓区人民路8号",
                "林强",
            ),
            merchant("M3", "沙县小吃", "广东省深圳市福田区红荔路40号", "黄海"),
            merchant(
                "M4",
                "华莱士(五一店)",
                "湖南省长沙市芙蓉区五一大道1号",
                "郑丽",
            ),
            merchant("M5", "华莱士", "广东省深圳市福田区福华路2号", "吴刚"),
        ];
        let rs = records(&ms);
        let freq = table(&rs);
        assert!(all_links(&rs, &freq).is_empty());
        let e = explain(&rs[0], &rs[1], &freq);
        assert!(
            e.evidence(Signal::NameFamily).is_some(),
            "the brand is a name signal"
        );
        assert_eq!(e.rule, None);
    }

    #[test]
    fn shops_in_one_mall_do_not_link() {
        let mall = "湖南省长沙市岳麓区麓山路100号步步高广场";
        let mut ms = vec![
            merchant("M1", "周记烟酒", &format!("{mall}3楼312号铺"), "周一"),
            merchant("M2", "老周烟酒店", &format!("{mall}2楼205号铺"), "周二"),
        ];
        for (i, m) in ms.iter_mut().enumerate() {
            at(m, (28.19, 112.94), 10.0 * i as f64);
        }
        let rs = records(&ms);
        let freq = table(&rs);
        let e = explain(&rs[0], &rs[1], &freq);
        assert_eq!(e.rule, None, "{e}");
        assert!(e.evidence(Signal::Premises).is_none());
        assert!(e.notes.iter().any(|n| n.contains("units differ")), "{e}");
    }

    #[test]
    fn a_malls_building_is_too_common_to_anchor_a_link() {
        let mall = "湖南省长沙市岳麓区麓山路100号步步高广场";
        let mut ms: Vec<MerchantRecord> = (0..40)
            .map(|i| {
                merchant(
                    &format!("S{i}"),
                    &format!("商户{i}号精品"),
                    &format!("{mall}{}楼{}号铺", i % 5 + 1, 100 + i),
                    &format!("店主{i}"),
                )
            })
            .collect();
        // An unrelated shop written without its unit, with a similar sign.
        ms.push(merchant("X1", "老周烟酒店", mall, "周二"));
        ms.push(merchant(
            "X2",
            "周记烟酒",
            &format!("{mall}3楼312号铺"),
            "周一",
        ));
        let rs = records(&ms);
        let freq = table(&rs);
        let e = explain(&rs[40], &rs[41], &freq);
        let premises = e.evidence(Signal::Premises).expect("building-level match");
        assert_eq!(premises.frequency, Some(42));
        assert!(premises.weight < MIN_ANCHOR_WEIGHT, "{e}");
        assert_eq!(e.rule, None, "{e}");
        assert!(all_links(&rs, &freq).is_empty());
    }

    fn owner_change(new_card_holder: &str) -> Vec<FuzzyRecord> {
        let mut old = merchant(
            "OLD",
            "老王烟酒店",
            "广东省深圳市福田区华强北路18号",
            "王建国",
        );
        old.onboarded_at = Some("2019-05-01".into());
        old.status = MerchantStatus::Terminated {
            reason: Some("店铺转让".into()),
            at: Some("2021-03-01".into()),
        };
        at(&mut old, HQB, 0.0);
        let mut new = merchant("NEW", "老王烟酒商行", "深圳市福田区华强北路十八号", "李华");
        new.onboarded_at = Some("2021-04-10".into());
        new.settlement_account.name = new_card_holder.into();
        at(&mut new, HQB, 5.0);
        records(&[old, new])
    }

    #[test]
    fn a_shop_that_changed_owner_does_not_link() {
        let rs = owner_change("李华");
        let freq = table(&rs);
        let e = explain(&rs[0], &rs[1], &freq);
        assert_eq!(e.rule, None, "{e}");
        assert_eq!(e.evidence(Signal::NameFamily).unwrap().role, Role::Ignored);
        assert!(
            e.notes.iter().any(|n| n.contains("owner change guard")),
            "{e}"
        );
    }

    #[test]
    fn a_handover_to_the_old_owners_card_links() {
        let rs = owner_change("王建国");
        let freq = table(&rs);
        let link = score(&rs[0], &rs[1], &freq).expect("linked");
        let controller = link.explanation.evidence(Signal::Controller).unwrap();
        assert_eq!(controller.role, Role::Corroboration);
    }

    #[test]
    fn an_outsourcers_corporate_account_is_no_controller() {
        let mut ms = vec![
            merchant("M1", "鑫隆百货", "广东省深圳市福田区华强北路18号", "陈明"),
            merchant("M2", "兴旺五金", "广东省深圳市福田区华强北路18号", "林强"),
        ];
        for m in &mut ms {
            m.settlement_account.name = "深圳市汇付通信息技术有限公司".into();
            m.settlement_account.kind = AccountKind::Corporate;
        }
        let rs = records(&ms);
        let freq = table(&rs);
        let e = explain(&rs[0], &rs[1], &freq);
        assert!(e.evidence(Signal::Controller).is_none());
        assert_eq!(e.rule, None, "{e}");
    }

    #[test]
    fn a_controller_links_nominees_at_different_premises_of_one_city() {
        let mut ms = vec![
            merchant("M1", "欧记五金", "广东省深圳市福田区红荔路40号", "陈明"),
            merchant("M2", "老欧五金店", "广东省深圳市南山区南海大道9号", "林强"),
            merchant("M3", "欧氏五金行", "湖南省长沙市岳麓区人民路8号", "黄海"),
        ];
        for m in &mut ms {
            m.settlement_account.name = "欧阳大富".into();
        }
        let rs = records(&ms);
        let freq = table(&rs);
        let link = score(&rs[0], &rs[1], &freq).expect("same city");
        assert_eq!(link.explanation.rule, Some(Rule::Controller));
        let e = explain(&rs[0], &rs[2], &freq);
        assert_eq!(e.rule, None, "{e}");
        assert!(e.notes.iter().any(|n| n.contains("different cities")));
    }

    #[test]
    fn a_common_controller_name_anchors_nothing() {
        let mut ms = vec![
            merchant("M1", "欧记五金", "广东省深圳市福田区红荔路40号", "陈明"),
            merchant("M2", "老欧五金店", "广东省深圳市南山区南海大道9号", "林强"),
        ];
        for m in &mut ms {
            m.settlement_account.name = "王芳".into();
        }
        let rs = records(&ms);
        let mut freq = table(&rs);
        freq.set(FrequencyField::Controller, "王芳", 800);
        let e = explain(&rs[0], &rs[1], &freq);
        assert_eq!(e.rule, None, "{e}");
        assert_eq!(e.evidence(Signal::Controller).unwrap().weight, 0.0);
    }

    #[test]
    fn a_shared_photo_corroborates_the_premises() {
        let mut ms = lao_wang_ring(None);
        ms[1].name = "鑫隆百货".into();
        for m in &mut ms {
            m.photos.push(PhotoRef {
                kind: PhotoKind::Storefront,
                sha256: "ab".repeat(32),
                gps: None,
                taken_at: None,
            });
        }
        let rs = records(&ms);
        let freq = table(&rs);
        let link = score(&rs[0], &rs[1], &freq).expect("linked");
        assert_eq!(
            link.explanation.evidence(Signal::Photo).unwrap().role,
            Role::Corroboration
        );
    }

    #[test]
    fn the_same_legal_rep_links_at_once() {
        let a = merchant("M1", "鑫隆百货", "广东省深圳市福田区红荔路40号", "陈明");
        let mut b = merchant("M2", "兴旺五金", "湖南省长沙市岳麓区人民路8号", "陈明");
        same_rep(&mut b, &a);
        let rs = records(&[a, b]);
        let link = score(&rs[0], &rs[1], &FrequencyTable::new()).expect("linked");
        assert_eq!(link.explanation.rule, Some(Rule::SameLegalRep));
        assert_eq!(link.score, 1.0);
    }

    #[test]
    fn explanations_are_deterministic_and_show_identities_masked_only() {
        let rs = records(&lao_wang_ring(Some("王大富")));
        let freq = table(&rs);
        let first = explain(&rs[0], &rs[1], &freq);
        assert_eq!(first, explain(&rs[1], &rs[0], &freq));
        let signals: Vec<Signal> = first.evidence.iter().map(|e| e.signal).collect();
        let mut sorted = signals.clone();
        sorted.sort();
        assert_eq!(signals, sorted);
        let json = serde_json::to_value(&first).unwrap();
        assert_eq!(json["rule"], "co_located");
        assert_eq!(json["evidence"][0]["signal"], "premises");
        assert_eq!(json["evidence"][0]["role"], "anchor");
        let text = format!("{first}\n{json}");
        assert!(
            !text.contains("ID-M1") && !text.contains("ACCT-M1"),
            "{text}"
        );
        assert!(text.contains("premises [anchor]"), "{text}");
    }

    fn arb_record() -> impl Strategy<Value = MerchantRecord> {
        let names = prop::sample::select(vec![
            "老王烟酒店",
            "老王烟酒商行",
            "王记烟酒",
            "沙县小吃",
            "鑫隆百货",
            "张伟超市",
        ]);
        let addresses = prop::sample::select(vec![
            "广东省深圳市福田区华强北路18号",
            "深圳市福田区华强北路十八号",
            "深圳市福田区华强北路18号3楼312号铺",
            "深圳市福田区华强北路18号2楼205号铺",
            "深圳市南山区南海大道9号",
            "湖南省长沙市岳麓区人民路8号",
        ]);
        let people = prop::sample::select(vec!["张伟", "李四", "王大富", "赵五"]);
        (
            names,
            addresses,
            people.clone(),
            people,
            any::<bool>(),
            prop::option::of(0.0..300.0f64),
            prop::option::of(prop::sample::select(vec!["2020-01-01", "2022-06-01"])),
            any::<bool>(),
            any::<u8>(),
        )
            .prop_map(
                |(name, address, rep, holder, card, north, ended, photo, id)| {
                    let mut m = merchant(&format!("M{id}"), name, address, rep);
                    m.settlement_account.name = holder.to_owned();
                    if !card {
                        m.settlement_account.kind = AccountKind::Corporate;
                    }
                    if let Some(n) = north {
                        at(&mut m, HQB, n);
                    }
                    m.onboarded_at = Some("2021-01-01".into());
                    if let Some(at) = ended {
                        m.status = MerchantStatus::Terminated {
                            reason: None,
                            at: Some(at.into()),
                        };
                    }
                    if photo {
                        m.photos.push(PhotoRef {
                            kind: PhotoKind::Storefront,
                            sha256: "cd".repeat(32),
                            gps: None,
                            taken_at: None,
                        });
                    }
                    m
                },
            )
    }

    proptest! {
        #[test]
        fn scoring_is_symmetric(a in arb_record(), b in arb_record(), counts in 0u64..150) {
            let (ra, rb) = (FuzzyRecord::from_record(1, &a), FuzzyRecord::from_record(2, &b));
            let freq = |_: FrequencyField, key: &str| counts + key.len() as u64 % 3;
            let (ab, ba) = (evaluate(&ra, &rb, &freq), evaluate(&rb, &ra, &freq));
            prop_assert_eq!(ab.score, ba.score);
            prop_assert_eq!(ab.rule, ba.rule);
            let weights = |e: &Explanation| -> Vec<(Signal, Role, f64)> {
                e.evidence.iter().map(|x| (x.signal, x.role, x.weight)).collect()
            };
            prop_assert_eq!(weights(&ab), weights(&ba));
            prop_assert_eq!(score(&ra, &rb, &freq), score(&rb, &ra, &freq));
        }

        #[test]
        fn the_quick_may_link_check_never_drops_a_link(
            a in arb_record(),
            b in arb_record(),
            counts in 0u64..150,
        ) {
            let (ra, rb) = (FuzzyRecord::from_record(1, &a), FuzzyRecord::from_record(2, &b));
            let freq = |_: FrequencyField, key: &str| counts + key.len() as u64 % 3;
            let full = explain(&ra, &rb, &freq);
            prop_assert_eq!(score(&ra, &rb, &freq).is_some(), full.is_link());
            if full.is_link() {
                prop_assert!(may_link(&ra, &rb));
            }
        }
    }
}
