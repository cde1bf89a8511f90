//! Cases and hard negatives about people: one person behind many merchants
//! (exact and linked), shared phones and accounts, common names, families,
//! agents and outsourcers.

use crate::address::{Address, AddressStyle, Numerals};
use crate::error::Error;
use crate::factory::{BusinessKind, Factory, Shop};
use crate::geo::places;
use crate::merchant::{IdStyle, Merchant};
use crate::names;
use crate::rng::{self, Rng};

use super::unit::{
    Tie, Unit, case, hard_negative, id_styles, relocate, small_shop, stranger, stranger_small,
    style_name,
};

/// One person behind `n` merchants, the ID written a different way at each.
pub(super) fn exact(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let home = f.place(rng);
    let person = f.person_with_variants(rng, home)?;
    let acquirers = f.spread(rng, n);
    let styles = id_styles(&person);
    let mut out = Vec::with_capacity(n);
    for (i, acquirer) in acquirers.into_iter().enumerate() {
        let place = if rng::chance(rng, 0.7) {
            places().sample_same_city(rng, home)
        } else {
            f.place(rng)
        };
        let shop = f.shop(rng, place, &person.name);
        let mut m = f.merchant(rng, acquirer, place, shop, person.clone())?;
        // Canonical first, then every other style, so each case shows a variant.
        m.forced.id_style = Some(
            styles[if i == 0 {
                0
            } else {
                1 + (i - 1) % (styles.len() - 1)
            }],
        );
        out.push(m);
    }
    let written: Vec<&str> = out
        .iter()
        .map(|m| style_name(m.forced.id_style.unwrap_or(IdStyle::Canonical)))
        .collect();
    unit.cases.push(case(
        "one_person_many_merchants",
        Some("exact"),
        &out,
        format!(
            "one legal representative ({}); ID written {}",
            person.name,
            written.join(" / ")
        ),
    ));
    Ok(out)
}

/// A controller's nominees (different IDs), tied by the controller's phone
/// as their legal-rep phone or by the controller's card as their account.
pub(super) fn linked_by(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
    tie: Tie,
) -> Result<Vec<Merchant>, Error> {
    let home = f.place(rng);
    let controller = f.person(rng, home)?;
    let card = f.card(rng, &controller.name)?;
    let acquirers = if rng::chance(rng, 0.5) {
        f.spread(rng, n)
    } else {
        vec![f.acquirer(rng); n]
    };
    let mut out = Vec::with_capacity(n);
    for acquirer in acquirers {
        let place = places().sample_same_city(rng, home);
        let mut nominee = f.person(rng, place)?;
        if tie == Tie::Phone {
            nominee.phone = controller.phone.clone();
        }
        let shop = small_shop(f, rng, place, &nominee.name);
        let mut m = f.merchant(rng, acquirer, place, shop, nominee)?;
        match tie {
            Tie::Phone => m.contact_phone = rng::chance(rng, 0.5).then(|| controller.phone.clone()),
            Tie::Account => m.account = card.clone(),
        }
        out.push(m);
    }
    let (what, shared_type) = match tie {
        Tie::Phone => (
            "the controller's phone as every nominee's legal-rep phone",
            "shared_phone",
        ),
        Tie::Account => (
            "the controller's card as every nominee's settlement account",
            "shared_settlement_account",
        ),
    };
    unit.cases.push(case(
        "one_person_many_merchants",
        Some("linked"),
        &out,
        format!(
            "controller {} behind {} nominees: {what}",
            controller.name,
            out.len()
        ),
    ));
    unit.cases.push(case(
        shared_type,
        None,
        &out,
        format!("{what} (nominees of {})", controller.name),
    ));
    Ok(out)
}

/// Shop-name families of one controller (`{s}` surname, `{g}` goods).
const NAME_FAMILY: &[&str] = &[
    "老{s}{g}店",
    "老{s}{g}商行",
    "{s}记{g}",
    "{s}记{g}店",
    "老{s}家{g}",
    "{s}氏{g}行",
];

/// Goods words that read naturally in [`NAME_FAMILY`], with their MCC.
const FAMILY_GOODS: &[(&str, &str)] = &[
    ("烟酒", "5921"),
    ("五金", "5251"),
    ("水果", "5499"),
    ("茶叶", "5499"),
    ("粮油", "5411"),
    ("小吃", "5814"),
    ("面馆", "5814"),
    ("百货", "5311"),
];

/// Nominees sharing no identifier: one premises written differently, GPS
/// within ~120 m, a shop-name family, the controller's name on every
/// (different) card, and sometimes the same storefront photo.
pub(super) fn linked_fuzzy(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let place = f.place(rng);
    let controller = f.person(rng, place)?;
    let surname = names::surname_of(&controller.name).to_owned();
    let (goods, mcc) = *rng::pick(rng, FAMILY_GOODS);
    let mut templates = NAME_FAMILY.to_vec();
    rand::seq::SliceRandom::shuffle(templates.as_mut_slice(), rng);
    let premises = Address::random(rng, place);
    let styles = [
        AddressStyle::PLAIN,
        AddressStyle {
            province: false,
            ..AddressStyle::PLAIN
        },
        AddressStyle {
            numerals: Numerals::Chinese,
            ..AddressStyle::PLAIN
        },
        AddressStyle {
            numerals: Numerals::FullWidth,
            province: false,
            traditional: false,
        },
    ];
    let share_photo = f.photos && rng::chance(rng, 0.6);
    let acquirers = f.spread(rng, n);
    let mut out: Vec<Merchant> = Vec::with_capacity(n);
    for (i, acquirer) in acquirers.into_iter().enumerate() {
        let nominee = f.person(rng, place)?;
        let name = templates[i % templates.len()]
            .replace("{s}", &surname)
            .replace("{g}", goods);
        let kind = if rng::chance(rng, 0.5) {
            BusinessKind::Individual
        } else {
            BusinessKind::Micro
        };
        let shop = Shop { name, mcc, kind };
        let mut m = f.merchant(rng, acquirer, place, shop, nominee)?;
        relocate(rng, &mut m, premises.clone(), 50.0);
        m.forced.address = Some(styles[i % styles.len()]);
        m.forced.gps = true;
        m.account = f.card(rng, &controller.name)?;
        if share_photo && let Some(first) = out.first() {
            let base = first.photos[0].recipe;
            m.photos[0].recipe = base.near_duplicate(rng);
        }
        out.push(m);
    }
    let photo = if share_photo {
        ", the same storefront photo"
    } else {
        ""
    };
    unit.cases.push(case(
        "one_person_many_merchants",
        Some("linked"),
        &out,
        format!(
            "fuzzy-only: controller {} ; one premises written {} ways, GPS within ~100 m, names {}, controller's name on every card{photo}",
            controller.name,
            n.min(styles.len()),
            out.iter().map(|m| m.name.as_str()).collect::<Vec<_>>().join(" / ")
        ),
    ));
    if share_photo {
        unit.cases.push(case(
            "shared_photo",
            None,
            &out,
            "near-duplicate storefront photos of one premises, different legal reps",
        ));
    }
    Ok(out)
}

/// Two unrelated legal reps at one acquirer sharing a phone or an account
/// (below the one-person threshold).
pub(super) fn shared_pair(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
    tie: Tie,
) -> Result<Vec<Merchant>, Error> {
    let acquirer = f.acquirer(rng);
    let home = f.place(rng);
    let first = stranger_small(f, rng, acquirer, home)?;
    let place = places().sample_same_city(rng, home);
    let mut second = stranger_small(f, rng, acquirer, place)?;
    let note = match tie {
        Tie::Phone => {
            second.legal_rep.phone = first.legal_rep.phone.clone();
            second.contact_phone = None;
            "two legal reps give the same mobile number"
        }
        Tie::Account => {
            second.account = first.account.clone();
            "two merchants of different legal reps settle to one card"
        }
    };
    let out = vec![first, second];
    let case_type = match tie {
        Tie::Phone => "shared_phone",
        Tie::Account => "shared_settlement_account",
    };
    unit.cases.push(case(case_type, None, &out, note));
    Ok(out)
}

/// Unrelated people with one very common name, in different cities.
pub(super) fn common_name(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let (name, female) = *rng::pick(rng, names::COMMON_FULL_NAMES);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let place = f.place(rng);
        let rep = f.person_named(rng, place, name, female)?;
        let shop = small_shop(f, rng, place, name);
        let acquirer = f.acquirer(rng);
        out.push(f.merchant(rng, acquirer, place, shop, rep)?);
    }
    unit.hard_negatives.push(hard_negative(
        "common_name",
        &out,
        format!("{n} different people named {name} (different IDs, phones, cards, cities)"),
    ));
    Ok(out)
}

/// Husband and wife, or siblings, each with a shop, one phone between them.
pub(super) fn family_phone(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let acquirer = f.acquirer(rng);
    let place = f.place(rng);
    let head_name = names::person_name(rng, false);
    let head = f.person_named(rng, place, &head_name, false)?;
    let spouse = rng::chance(rng, 0.5);
    let relative_name = if spouse {
        names::person_name(rng, true)
    } else {
        let female = rng::chance(rng, 0.5);
        let given = names::person_name(rng, female);
        let given = given
            .strip_prefix(names::surname_of(&given))
            .unwrap_or(&given)
            .to_owned();
        format!("{}{given}", names::surname_of(&head.name))
    };
    let mut relative = f.person_named(rng, place, &relative_name, spouse)?;
    relative.phone = head.phone.clone();
    let first = {
        let shop = small_shop(f, rng, place, &head.name);
        f.merchant(rng, acquirer, place, shop, head.clone())?
    };
    let second_place = places().sample_same_city(rng, place);
    let shop = small_shop(f, rng, second_place, &relative.name);
    let mut second = f.merchant(rng, acquirer, second_place, shop, relative)?;
    second.contact_phone = None;
    let out = vec![first, second];
    let who = if spouse { "spouses" } else { "siblings" };
    unit.cases.push(case(
        "shared_phone",
        None,
        &out,
        format!("{who} share one phone"),
    ));
    unit.hard_negatives.push(hard_negative(
        "family_phone",
        &out,
        format!(
            "{who} {} and {}",
            out[0].legal_rep.name, out[1].legal_rep.name
        ),
    ));
    Ok(out)
}

/// A sales agent's phone as contact phone on many merchants.
pub(super) fn agent_phone(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let phone = f.ids().phone()?;
    let acquirer = f.acquirer(rng);
    let home = f.place(rng);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let place = places().sample_same_city(rng, home);
        let mut m = stranger(f, rng, acquirer, place)?;
        m.contact_phone = Some(phone.clone());
        out.push(m);
    }
    unit.cases.push(case(
        "shared_phone",
        None,
        &out,
        format!("a sales agent's phone as contact phone on {n} merchants"),
    ));
    unit.hard_negatives.push(hard_negative(
        "agent_phone",
        &out,
        "sales agent's phone: a hub, never one person",
    ));
    Ok(out)
}

/// An outsourcer's corporate account settling for many merchants (二清).
pub(super) fn outsourcer_account(
    f: &mut Factory,
    rng: &mut Rng,
    n: usize,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let home = f.place(rng);
    let word = rng::pick(rng, names::OUTSOURCER_WORDS);
    let city = home.city_short();
    let company = format!("{city}{word}信息技术有限公司");
    let account = f.corporate_account(rng, &company, home)?;
    let acquirers = if rng::chance(rng, 0.5) {
        f.spread(rng, n)
    } else {
        vec![f.acquirer(rng); n]
    };
    let mut out = Vec::with_capacity(n);
    for acquirer in acquirers {
        let place = places().sample_same_city(rng, home);
        let mut m = stranger_small(f, rng, acquirer, place)?;
        m.account = account.clone();
        out.push(m);
    }
    unit.cases.push(case(
        "shared_settlement_account",
        None,
        &out,
        format!("outsourcer {company} settles for {n} merchants (二清)"),
    ));
    unit.hard_negatives.push(hard_negative(
        "outsourcer_account",
        &out,
        "outsourcer's account: a hub, never one person",
    ));
    Ok(out)
}
