//! A unit of work, its dispatch, and the helpers planted cases share.

use crate::address::Address;
use crate::defect::Defect;
use crate::error::Error;
use crate::factory::{self, BusinessKind, Factory, Shop};
use crate::geo::Place;
use crate::merchant::{Document, IdStyle, Merchant, Person};
use crate::plan::{Kind, UnitSpec};
use crate::rng::{self, Rng};
use crate::truth::{BlacklistEntry, Case, HardNegative, LocationReport, Member};

use super::blacklist::{
    blacklist_account, blacklist_merchant, blacklist_person, blacklist_terminal,
};
use super::people::{
    agent_phone, common_name, exact, family_phone, linked_by, linked_fuzzy, outsourcer_account,
    shared_pair,
};
use super::premises::{chain_brand, location_mismatch, mall, owner_change, shared_photo};
use super::terminals::{consecutive_serials, shared_terminal, terminal_relocated};

/// What one unit of work produced.
#[derive(Default)]
pub(crate) struct Unit {
    /// Merchants with the defect an invalid row carries.
    pub(crate) merchants: Vec<(Merchant, Option<Defect>)>,
    pub(crate) cases: Vec<Case>,
    pub(crate) hard_negatives: Vec<HardNegative>,
    /// Entries; a case's `blacklist_entry` is an index into this list until
    /// the writer turns it into a line number.
    pub(crate) blacklist: Vec<BlacklistEntry>,
    /// `(acquirer index, report)`.
    pub(crate) reports: Vec<(usize, LocationReport)>,
}

/// The acquirer code of an index: `ACQ01`.
pub(crate) fn acquirer_name(index: usize) -> String {
    format!("ACQ{:02}", index + 1)
}

fn member(m: &Merchant) -> Member {
    Member {
        acquirer: acquirer_name(m.acquirer),
        merchant_id: m.merchant_id.clone(),
    }
}

fn members(ms: &[Merchant]) -> Vec<Member> {
    ms.iter().map(member).collect()
}

pub(super) fn case(
    case_type: &str,
    subtype: Option<&str>,
    ms: &[Merchant],
    note: impl Into<String>,
) -> Case {
    Case {
        case_type: case_type.to_owned(),
        subtype: subtype.map(str::to_owned),
        members: members(ms),
        note: note.into(),
        blacklist_entry: None,
    }
}

pub(super) fn hard_negative(kind: &str, ms: &[Merchant], note: impl Into<String>) -> HardNegative {
    HardNegative {
        kind: kind.to_owned(),
        members: members(ms),
        note: note.into(),
    }
}

/// Builds one unit. `defect` is the defect for an invalid background row.
pub(crate) fn build(
    spec: UnitSpec,
    f: &mut Factory,
    rng: &mut Rng,
    defect: Option<(usize, Defect)>,
) -> Result<Unit, Error> {
    let n = usize::from(spec.size);
    let mut unit = Unit::default();
    let merchants = match spec.kind {
        Kind::Background => {
            let (acquirer, defect) = match defect {
                Some((acquirer, d)) => (acquirer, Some(d)),
                None => (f.acquirer(rng), None),
            };
            let mut m = f.background(rng, acquirer)?;
            if let Some(d) = defect {
                d.prepare(rng, &mut m, f)?;
            }
            normal_reports(rng, &m, &mut unit);
            unit.merchants.push((m, defect));
            return Ok(unit);
        }
        Kind::Exact => exact(f, rng, n, &mut unit)?,
        Kind::LinkedPhone => linked_by(f, rng, n, &mut unit, Tie::Phone)?,
        Kind::LinkedAccount => linked_by(f, rng, n, &mut unit, Tie::Account)?,
        Kind::LinkedFuzzy => linked_fuzzy(f, rng, n, &mut unit)?,
        Kind::SharedTerminal => shared_terminal(f, rng, n, &mut unit)?,
        Kind::SharedPhone => shared_pair(f, rng, &mut unit, Tie::Phone)?,
        Kind::SharedAccount => shared_pair(f, rng, &mut unit, Tie::Account)?,
        Kind::SharedPhoto => shared_photo(f, rng, n, &mut unit)?,
        Kind::LocationMismatch => location_mismatch(f, rng, &mut unit)?,
        Kind::TerminalRelocated => terminal_relocated(f, rng, &mut unit)?,
        Kind::BlacklistMerchant => blacklist_merchant(f, rng, &mut unit)?,
        Kind::BlacklistPerson => blacklist_person(f, rng, &mut unit)?,
        Kind::BlacklistAccount => blacklist_account(f, rng, &mut unit)?,
        Kind::BlacklistTerminal => blacklist_terminal(f, rng, &mut unit)?,
        Kind::CommonName => common_name(f, rng, n, &mut unit)?,
        Kind::ChainBrand => chain_brand(f, rng, n, &mut unit)?,
        Kind::Mall => mall(f, rng, n, &mut unit)?,
        Kind::AgentPhone => agent_phone(f, rng, n, &mut unit)?,
        Kind::OutsourcerAccount => outsourcer_account(f, rng, n, &mut unit)?,
        Kind::FamilyPhone => family_phone(f, rng, &mut unit)?,
        Kind::OwnerChange => owner_change(f, rng, &mut unit)?,
        Kind::ConsecutiveSerials => consecutive_serials(f, rng, n, &mut unit)?,
    };
    if !matches!(spec.kind, Kind::LocationMismatch | Kind::TerminalRelocated) {
        for m in &merchants {
            normal_reports(rng, m, &mut unit);
        }
    }
    unit.merchants
        .extend(merchants.into_iter().map(|m| (m, None)));
    Ok(unit)
}

/// A shop that is not a company, so it settles to its owner's card: for
/// cases that need a person-held account.
pub(super) fn small_shop(f: &Factory, rng: &mut Rng, place: &Place, owner: &str) -> Shop {
    loop {
        let shop = f.shop(rng, place, owner);
        if shop.kind != BusinessKind::Company {
            return shop;
        }
    }
}

/// A wholly unrelated merchant at `acquirer` in `place` (fresh person).
pub(super) fn stranger(
    f: &mut Factory,
    rng: &mut Rng,
    acquirer: usize,
    place: &'static Place,
) -> Result<Merchant, Error> {
    let rep = f.person(rng, place)?;
    let shop = f.shop(rng, place, &rep.name);
    f.merchant(rng, acquirer, place, shop, rep)
}

/// A stranger running a small card-settled shop.
pub(super) fn stranger_small(
    f: &mut Factory,
    rng: &mut Rng,
    acquirer: usize,
    place: &'static Place,
) -> Result<Merchant, Error> {
    let rep = f.person(rng, place)?;
    let shop = small_shop(f, rng, place, &rep.name);
    f.merchant(rng, acquirer, place, shop, rep)
}

/// Moves `m` to `address`: premises GPS, installed terminals and photo EXIF
/// positions follow.
pub(super) fn relocate(rng: &mut Rng, m: &mut Merchant, address: Address, spread_m: f64) {
    m.gps = address.point().jitter(rng, spread_m);
    m.address = address;
    for t in &mut m.terminals {
        if t.location.is_some() {
            t.location = Some(m.gps.jitter(rng, 8.0));
        }
    }
    for exif in m.photos.iter_mut().filter_map(|p| p.exif.as_mut()) {
        exif.point = m.gps.jitter(rng, 30.0);
    }
}

/// Routine location reports for some terminals: where the merchant is.
pub(super) fn normal_reports(rng: &mut Rng, m: &Merchant, unit: &mut Unit) {
    let Some(t) = m.terminals.first() else { return };
    if !rng::chance(rng, 0.3) {
        return;
    }
    for _ in 0..rng::between(rng, 1, 2) {
        let at = m.gps.jitter(rng, 120.0).rounded();
        let by_sn = rng::chance(rng, 0.75);
        unit.reports.push((
            m.acquirer,
            LocationReport {
                sn: by_sn.then(|| t.sn.clone()),
                terminal_id: (!by_sn).then(|| t.terminal_id.clone()),
                lat: at.lat,
                lng: at.lng,
                seen_at: seen_at(rng, m.onboarded_at),
            },
        ));
    }
}

/// An RFC 3339 time (China time) after `after`, within 2025.
pub(super) fn seen_at(rng: &mut Rng, after: time::Date) -> String {
    let start =
        after.max(time::Date::from_calendar_date(2025, time::Month::January, 1).expect("date"));
    let day = factory::later_date(rng, start, 1, 330);
    format!(
        "{day}T{:02}:{:02}:{:02}+08:00",
        rng::between(rng, 8, 21),
        rng::between(rng, 0, 59),
        rng::between(rng, 0, 59)
    )
}

/// The ID styles a person's number can be written in, canonical first.
pub(super) fn id_styles(person: &Person) -> Vec<IdStyle> {
    let mut styles = vec![IdStyle::Canonical];
    if let Document::Resident(id) = &person.document {
        if id.birth.year() < 1986 {
            styles.push(IdStyle::Legacy);
        }
        if id.ends_in_x() {
            styles.push(IdStyle::LowerX);
        }
    }
    styles.push(IdStyle::FullWidth);
    styles
}

pub(super) fn style_name(style: IdStyle) -> &'static str {
    match style {
        IdStyle::Canonical => "18-digit",
        IdStyle::Legacy => "15-digit legacy",
        IdStyle::LowerX => "lower-case x",
        IdStyle::FullWidth => "full-width",
    }
}

/// What ties a linked group or a shared pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tie {
    Phone,
    Account,
}
