//! Cases about premises and photos: shared photos, location mismatches,
//! chain outlets, malls and shops that changed owner.

use time::Duration;

use crate::address::Address;
use crate::error::Error;
use crate::factory::{self, BusinessKind, Factory, Shop};
use crate::geo::places;
use crate::merchant::{Merchant, PhotoExif, Status};
use crate::names;
use crate::rng::{self, Rng};

use super::unit::{Unit, case, hard_negative, relocate, stranger};

/// Near-duplicate storefront photos on merchants of unrelated people.
pub(super) fn shared_photo(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let mut out: Vec<Merchant> = Vec::with_capacity(n);
    for _ in 0..n {
        let acquirer = f.acquirer(rng);
        let place = f.place(rng);
        let mut m = stranger(f, rng, acquirer, place)?;
        if let Some(first) = out.first() {
            m.photos[0].recipe = first.photos[0].recipe.near_duplicate(rng);
            m.photos[0].exif = None;
        }
        out.push(m);
    }
    unit.cases.push(case(
        "shared_photo",
        None,
        &out,
        "one storefront photo re-used (re-encoded, resized, cropped or brightened) by different legal reps",
    ));
    Ok(out)
}

/// GPS (or photo EXIF GPS) in another city than the declared address.
pub(super) fn location_mismatch(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let acquirer = f.acquirer(rng);
    let place = f.place(rng);
    let mut m = stranger(f, rng, acquirer, place)?;
    let far = places()
        .sample_far(rng, m.gps, 150.0)
        .point
        .jitter(rng, 2_000.0);
    let km = (far.distance_m(m.gps) / 1000.0).round();
    m.forced.gps = true;
    for t in &mut m.terminals {
        t.location = None;
    }
    let note = if f.photos && rng::chance(rng, 0.4) {
        let taken = factory::photo_time(rng, m.onboarded_at);
        m.photos[0].exif = Some(PhotoExif { point: far, taken });
        format!(
            "storefront photo EXIF GPS {km} km from the declared address; merchant GPS agrees with the address"
        )
    } else {
        m.gps = far;
        if let Some(p) = m.photos.first_mut() {
            p.exif = None;
        }
        format!("merchant GPS {km} km from the declared address, in another city")
    };
    unit.cases.push(case(
        "location_mismatch",
        None,
        std::slice::from_ref(&m),
        note,
    ));
    Ok(vec![m])
}

/// Outlets of one chain brand in different cities, unrelated franchisees.
pub(super) fn chain_brand(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let (brand, mcc) = *rng::pick(rng, names::CHAIN_BRANDS);
    let chain_seed: u64 = rand::RngExt::random(rng);
    let mut cities: Vec<&str> = Vec::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let place = f.place(rng);
        if cities.contains(&place.city_key()) {
            continue;
        }
        cities.push(place.city_key());
        let rep = f.person(rng, place)?;
        let kind = if rng::chance(rng, 0.5) {
            BusinessKind::Individual
        } else {
            BusinessKind::Micro
        };
        let shop = Shop {
            name: factory::chain_outlet_name(rng, brand, place),
            mcc,
            kind,
        };
        let acquirer = f.acquirer(rng);
        let mut m = f.merchant(rng, acquirer, place, shop, rep)?;
        if f.photos {
            m.photos[0] = f.storefront(rng, &m, Some(chain_seed));
        }
        out.push(m);
    }
    unit.hard_negatives.push(hard_negative(
        "chain_brand",
        &out,
        format!("{brand} outlets in {n} cities, unrelated owners"),
    ));
    if f.photos {
        unit.hard_negatives.push(hard_negative(
            "similar_chain_photos",
            &out,
            format!("{brand} storefronts: same sign and facade colours, different photos"),
        ));
    }
    Ok(out)
}

/// Unrelated shops in one mall: same building, different floor or unit.
pub(super) fn mall(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let place = f.place(rng);
    let building = Address::mall(rng, place);
    let mut out: Vec<Merchant> = Vec::with_capacity(n);
    for i in 0..n {
        let address = if i == 0 {
            building.clone()
        } else {
            building.in_same_mall(rng)
        };
        if out.iter().any(|m| m.address.detail == address.detail) {
            continue;
        }
        let acquirer = f.acquirer(rng);
        let mut m = stranger(f, rng, acquirer, place)?;
        relocate(rng, &mut m, address, 30.0);
        out.push(m);
    }
    let mall = match building.detail {
        crate::address::Detail::Mall { mall, .. } => mall,
        _ => "",
    };
    unit.hard_negatives.push(hard_negative(
        "mall",
        &out,
        format!(
            "{} unrelated shops in {}{}{}号{mall}",
            out.len(),
            place.district(),
            building.street,
            building.number
        ),
    ));
    Ok(out)
}

/// A shop taken over: the old merchant terminated, a new owner at the same address.
pub(super) fn owner_change(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let place = f.place(rng);
    let acquirer = f.acquirer(rng);
    let mut old = stranger(f, rng, acquirer, place)?;
    let first_day = time::Date::from_calendar_date(2016, time::Month::January, 1).expect("date");
    old.onboarded_at = old
        .onboarded_at
        .min(time::Date::from_calendar_date(2023, time::Month::June, 30).expect("date"));
    old.onboarded_at = old.onboarded_at.max(first_day);
    let handover = factory::later_date(rng, old.onboarded_at, 180, 800);
    old.status = Status::Terminated {
        reason: "店铺转让".into(),
        at: handover,
    };
    let acquirer = if rng::chance(rng, 0.5) {
        old.acquirer
    } else {
        f.acquirer(rng)
    };
    let mut new = stranger(f, rng, acquirer, place)?;
    relocate(rng, &mut new, old.address.clone(), 10.0);
    new.onboarded_at = handover + Duration::days(i64::from(rng::between(rng, 7, 90)));
    new.onboarded_at = new.onboarded_at.min(factory::last_day());
    let note = format!("{} handed over to {} on {handover}", old.name, new.name);
    let out = vec![old, new];
    unit.hard_negatives
        .push(hard_negative("owner_change", &out, note));
    Ok(out)
}
