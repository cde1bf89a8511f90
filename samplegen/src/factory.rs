//! Builds people, shops and merchants with fresh identifiers.
//!
//! Background merchants come straight from [`Factory::background`]; planted
//! cases call the finer-grained builders and then tie merchants together on
//! purpose (the same person, phone, account, serial, premises or photo).

use std::collections::BTreeMap;

use time::{Date, Duration, Month, Time};

use crate::address::Address;
use crate::error::Error;
use crate::geo::{Place, Point, places};
use crate::identifiers::{Identifiers, ResidentNumber, TERMINAL_MODELS};
use crate::merchant::{
    Account, AccountKind, Document, Forced, Merchant, Person, Photo, PhotoExif, PhotoKind, Status,
    Terminal,
};
use crate::names;
use crate::photo::{PhotoRecipe, Scene, Variant};
use crate::rng::{self, Rng};

/// Acquirer codes in merchant numbers (PBoC bank codes and 898), by acquirer index.
const ACQUIRER_CODES: &[&str] = &[
    "898", "102", "105", "308", "301", "103", "104", "403", "302", "303", "309", "310",
];

/// The legal form of a business.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BusinessKind {
    /// 有限公司: USCC `91…`, corporate account in the company's name.
    Company,
    /// 个体工商户 with a licence: USCC `92…`, card in the owner's name.
    Individual,
    /// 小微商户 without a licence: no USCC, card in the owner's name.
    Micro,
}

/// What a merchant sells and is called.
#[derive(Debug, Clone)]
pub(crate) struct Shop {
    pub(crate) name: String,
    pub(crate) mcc: &'static str,
    pub(crate) kind: BusinessKind,
}

/// Why an acquirer ended a relationship (background terminations).
const TERMINATION_REASONS: &[&str] = &[
    "商户主动申请解约",
    "经营不善停业",
    "长期无交易",
    "店铺转让",
    "资料过期未更新",
];

/// Makes merchants and everything in them.
pub(crate) struct Factory {
    ids: Identifiers,
    /// Next sequence number per (acquirer, region part, MCC) of merchant numbers.
    sequences: BTreeMap<(usize, &'static str, &'static str), u32>,
    pub(crate) acquirers: usize,
    pub(crate) photos: bool,
}

impl Factory {
    pub(crate) fn new(seed: u64, acquirers: usize, photos: bool) -> Factory {
        Factory {
            ids: Identifiers::new(seed),
            sequences: BTreeMap::new(),
            acquirers,
            photos,
        }
    }

    pub(crate) fn ids(&mut self) -> &mut Identifiers {
        &mut self.ids
    }

    /// A place, busy cities weighted up.
    pub(crate) fn place(&self, rng: &mut Rng) -> &'static Place {
        places().sample(rng)
    }

    /// A random acquirer index.
    pub(crate) fn acquirer(&self, rng: &mut Rng) -> usize {
        rng::between(rng, 0, self.acquirers as u32 - 1) as usize
    }

    /// `n` acquirer indices, as many distinct ones as there are acquirers.
    pub(crate) fn spread(&self, rng: &mut Rng, n: usize) -> Vec<usize> {
        let first = self.acquirer(rng);
        (0..n).map(|i| (first + i) % self.acquirers).collect()
    }

    /// A person registered near `home`, gender and name from the ID.
    pub(crate) fn person(&mut self, rng: &mut Rng, home: &Place) -> Result<Person, Error> {
        let id = self.ids.resident_id(places().sample_id_region(rng, home))?;
        let name = names::person_name(rng, id.female);
        self.person_with(id, name)
    }

    /// A person with a given name whose ID matches the name's gender.
    pub(crate) fn person_named(
        &mut self,
        rng: &mut Rng,
        home: &Place,
        name: &str,
        female: bool,
    ) -> Result<Person, Error> {
        let id = loop {
            let id = self.ids.resident_id(places().sample_id_region(rng, home))?;
            if id.female == female {
                break id;
            }
        };
        self.person_with(id, name.to_owned())
    }

    /// A person whose ID can be written in another form: born before 1986
    /// (15-digit legacy number) or with an `X` check character.
    pub(crate) fn person_with_variants(
        &mut self,
        rng: &mut Rng,
        home: &Place,
    ) -> Result<Person, Error> {
        loop {
            let id = self.ids.resident_id(places().sample_id_region(rng, home))?;
            if id.birth.year() < 1986 || id.ends_in_x() {
                let name = names::person_name(rng, id.female);
                return self.person_with(id, name);
            }
        }
    }

    /// A background person: now and then a passport or permit holder.
    fn any_person(&mut self, rng: &mut Rng, home: &Place) -> Result<Person, Error> {
        if rng::chance(rng, 0.01) {
            let (kind, number) = self.ids.foreign_document(rng)?;
            let female = rng::chance(rng, 0.5);
            let name = names::person_name(rng, female);
            return Ok(Person {
                name,
                document: Document::Other(kind, number),
                phone: self.ids.phone()?,
            });
        }
        self.person(rng, home)
    }

    fn person_with(&mut self, id: ResidentNumber, name: String) -> Result<Person, Error> {
        Ok(Person {
            name,
            document: Document::Resident(id),
            phone: self.ids.phone()?,
        })
    }

    /// A small shop or company in `place`, named for `owner`'s trade.
    pub(crate) fn shop(&self, rng: &mut Rng, place: &Place, owner: &str) -> Shop {
        let kind = *rng::pick_weighted(
            rng,
            &[
                (BusinessKind::Company, 30),
                (BusinessKind::Individual, 40),
                (BusinessKind::Micro, 30),
            ],
        );
        if kind == BusinessKind::Company {
            let (industry, mcc) = *rng::pick(rng, names::COMPANY_INDUSTRIES);
            return Shop {
                name: company_name(rng, place, industry),
                mcc,
                kind,
            };
        }
        if rng::chance(rng, 0.05) {
            let (brand, mcc) = *rng::pick(rng, names::CHAIN_BRANDS);
            return Shop {
                name: chain_outlet_name(rng, brand, place),
                mcc,
                kind,
            };
        }
        let trade = rng::pick_weighted_by(rng, names::TRADES, |t| t.weight);
        let suffix = rng::pick(rng, trade.suffixes);
        let surname = if rng::chance(rng, 0.5) {
            names::surname_of(owner).to_owned()
        } else {
            rng::pick_weighted(rng, names::SURNAMES).to_string()
        };
        let word = rng::pick(rng, names::SHOP_WORDS);
        let goods = trade.goods;
        let mut name = match rng::between(rng, 0, 99) {
            0..=54 => format!("{word}{goods}{suffix}"),
            55..=71 => format!("老{surname}{goods}{suffix}"),
            72..=81 => format!("{surname}记{goods}"),
            82..=91 => format!(
                "{}{word}{goods}{suffix}",
                place.district().trim_end_matches(['区', '县', '市'])
            ),
            _ => format!("个体户{owner}"),
        };
        if kind == BusinessKind::Individual && rng::chance(rng, 0.3) && !name.starts_with("个体户")
        {
            name = format!("{}{}{name}", place.city().unwrap_or(""), place.district());
        }
        Shop {
            name,
            mcc: trade.mcc,
            kind,
        }
    }

    /// A merchant of `shop` in `place` run by `rep`, with fresh everything else.
    pub(crate) fn merchant(
        &mut self,
        rng: &mut Rng,
        acquirer: usize,
        place: &'static Place,
        shop: Shop,
        rep: Person,
    ) -> Result<Merchant, Error> {
        let address = Address::random(rng, place);
        let gps = address.point().jitter(rng, 25.0);
        let uscc = match shop.kind {
            BusinessKind::Company => Some(self.ids.uscc(place, false)?),
            BusinessKind::Individual => Some(self.ids.uscc(place, true)?),
            BusinessKind::Micro => None,
        };
        let account = match shop.kind {
            BusinessKind::Company => self.corporate_account(rng, &shop.name, place)?,
            _ => self.card(rng, &rep.name)?,
        };
        let contact_phone = match rng::between(rng, 0, 9) {
            0..=4 => Some(rep.phone.clone()),
            5..=7 => None,
            _ => Some(self.ids.phone()?),
        };
        let onboarded_at = onboarding_date(rng, &rep);
        let terminals = match rng::between(rng, 0, 9) {
            0 => Vec::new(),
            1..=7 => vec![self.terminal(rng, gps)?],
            _ => vec![self.terminal(rng, gps)?, self.terminal(rng, gps)?],
        };
        let mut merchant = Merchant {
            acquirer,
            merchant_id: self.merchant_id(acquirer, place, shop.mcc),
            name: shop.name,
            uscc,
            mcc: shop.mcc,
            address,
            gps,
            legal_rep: rep,
            contact_phone,
            account,
            terminals,
            photos: Vec::new(),
            onboarded_at,
            status: Status::Active,
            forced: Forced::default(),
        };
        if self.photos {
            merchant.photos.push(self.storefront(rng, &merchant, None));
            if rng::chance(rng, 0.2) {
                merchant.photos.push(Photo {
                    kind: PhotoKind::Interior,
                    recipe: PhotoRecipe {
                        seed: rand::RngExt::random(rng),
                        scene: Scene::Interior,
                        variant: Variant::Original,
                    },
                    exif: None,
                });
            }
        }
        Ok(merchant)
    }

    /// A wholly random merchant at `acquirer`; a few are terminated.
    pub(crate) fn background(&mut self, rng: &mut Rng, acquirer: usize) -> Result<Merchant, Error> {
        let place = self.place(rng);
        let rep = self.any_person(rng, place)?;
        let shop = self.shop(rng, place, &rep.name);
        let mut m = self.merchant(rng, acquirer, place, shop, rep)?;
        if rng::chance(rng, 0.04) {
            let at = later_date(rng, m.onboarded_at, 60, 900);
            m.status = Status::Terminated {
                reason: rng::pick(rng, TERMINATION_REASONS).to_string(),
                at,
            };
        }
        Ok(m)
    }

    /// A storefront photo of `m`; `chain` seeds a brand's shared look. A third
    /// carry EXIF GPS taken at the premises around onboarding.
    pub(crate) fn storefront(&self, rng: &mut Rng, m: &Merchant, chain: Option<u64>) -> Photo {
        let exif = rng::chance(rng, 0.3).then(|| PhotoExif {
            point: m.gps.jitter(rng, 30.0),
            taken: photo_time(rng, m.onboarded_at),
        });
        Photo {
            kind: PhotoKind::Storefront,
            recipe: PhotoRecipe {
                seed: rand::RngExt::random(rng),
                scene: Scene::Storefront { chain },
                variant: Variant::Original,
            },
            exif,
        }
    }

    /// A fresh card in `holder`'s name.
    pub(crate) fn card(&mut self, rng: &mut Rng, holder: &str) -> Result<Account, Error> {
        let card = self.ids.card(rng)?;
        Ok(Account {
            number: card.number,
            name: holder.to_owned(),
            bank: card.bank.to_owned(),
            kind: AccountKind::Card,
        })
    }

    /// A fresh corporate account in `holder`'s name, at a branch in `place`.
    pub(crate) fn corporate_account(
        &mut self,
        rng: &mut Rng,
        holder: &str,
        place: &Place,
    ) -> Result<Account, Error> {
        let acct = self.ids.corporate_account(rng)?;
        let district = place.district();
        let branch = district
            .strip_suffix(['区', '县', '市', '旗'])
            .filter(|s| s.chars().count() >= 2)
            .unwrap_or(district);
        Ok(Account {
            number: acct.number,
            name: holder.to_owned(),
            bank: format!("{}{}{branch}支行", acct.bank, place.city_short()),
            kind: AccountKind::Corporate,
        })
    }

    /// A terminal installed at `at`.
    pub(crate) fn terminal(&mut self, rng: &mut Rng, at: Point) -> Result<Terminal, Error> {
        let model = rng::between(rng, 0, TERMINAL_MODELS.len() as u32 - 1) as usize;
        let sn = self.ids.serial(rng, model)?;
        self.terminal_with(rng, at, model, sn)
    }

    /// A terminal of `model` with a given serial.
    pub(crate) fn terminal_with(
        &mut self,
        rng: &mut Rng,
        at: Point,
        model: usize,
        sn: String,
    ) -> Result<Terminal, Error> {
        let (vendor, model, _) = TERMINAL_MODELS[model];
        Ok(Terminal {
            terminal_id: self.ids.terminal_id()?,
            sn,
            vendor,
            model,
            location: rng::chance(rng, 0.7).then(|| at.jitter(rng, 8.0)),
            sn_style: None,
        })
    }

    /// The next merchant number `AAA RRRR MMMM SSSS` at `acquirer`.
    fn merchant_id(&mut self, acquirer: usize, place: &'static Place, mcc: &'static str) -> String {
        let region = place.city_key();
        let seq = self.sequences.entry((acquirer, region, mcc)).or_insert(0);
        *seq += 1;
        format!(
            "{}{region}{mcc}{}",
            acquirer_code(acquirer),
            sequence_code(*seq)
        )
    }
}

/// The 3-digit acquirer part of merchant numbers.
pub(crate) fn acquirer_code(acquirer: usize) -> String {
    ACQUIRER_CODES.get(acquirer).map_or_else(
        || format!("{:03}", 800 + acquirer % 200),
        |c| (*c).to_owned(),
    )
}

/// The 4-character sequence: digits up to 9999, then letter-led base 36
/// (sequences may contain letters, KYC §1.5).
fn sequence_code(seq: u32) -> String {
    if seq < 10_000 {
        return format!("{seq:04}");
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut v = seq - 10_000;
    let mut out = [0u8; 4];
    for slot in out.iter_mut().skip(1).rev() {
        *slot = DIGITS[(v % 36) as usize];
        v /= 36;
    }
    out[0] = b'A' + (v % 26) as u8;
    String::from_utf8(out.to_vec()).expect("ASCII")
}

/// `深圳市恒达贸易有限公司`.
pub(crate) fn company_name(rng: &mut Rng, place: &Place, industry: &str) -> String {
    let city = match place.city() {
        Some(c) if c.ends_with('市') => c,
        _ => place.district(),
    };
    let word = rng::pick(rng, names::COMPANY_WORDS);
    format!("{city}{word}{industry}有限公司")
}

/// `沙县小吃(建设路店)`: a franchise outlet named for its street or district.
pub(crate) fn chain_outlet_name(rng: &mut Rng, brand: &str, place: &Place) -> String {
    match rng::between(rng, 0, 2) {
        0 => brand.to_owned(),
        1 => format!(
            "{brand}({}店)",
            place.district().trim_end_matches(['区', '县', '市'])
        ),
        _ => format!("{brand}({}路店)", rng::pick(rng, names::STREET_STEMS)),
    }
}

fn date(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).expect("valid date")
}

/// The last day generated data refers to; nothing is dated later.
pub(crate) fn last_day() -> Date {
    date(2025, Month::December, 31)
}

/// An onboarding date in 2015–2025, when `rep` was at least 18.
fn onboarding_date(rng: &mut Rng, rep: &Person) -> Date {
    let mut first = date(2015, Month::January, 1);
    if let Document::Resident(id) = &rep.document {
        let adult = date(id.birth.year() + 18, Month::July, 1);
        first = first.max(adult.min(date(2025, Month::June, 30)));
    }
    let span = (last_day() - first).whole_days().max(1) as u32;
    first + Duration::days(i64::from(rng::between(rng, 0, span - 1)))
}

/// A date `min`–`max` days after `after`, no later than [`last_day`].
pub(crate) fn later_date(rng: &mut Rng, after: Date, min: u32, max: u32) -> Date {
    (after + Duration::days(i64::from(rng::between(rng, min, max)))).min(last_day())
}

/// A capture time a few days before onboarding, in shop hours.
pub(crate) fn photo_time(rng: &mut Rng, onboarded: Date) -> time::PrimitiveDateTime {
    let day = onboarded - Duration::days(i64::from(rng::between(rng, 0, 10)));
    let time = Time::from_hms(
        rng::between(rng, 9, 19) as u8,
        rng::between(rng, 0, 59) as u8,
        rng::between(rng, 0, 59) as u8,
    )
    .expect("valid time");
    day.with_time(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merchant_numbers_have_the_network_form() {
        let mut f = Factory::new(1, 3, false);
        let mut rng = rng::stream(1, 1, 1);
        for _ in 0..200 {
            let m = f.background(&mut rng, 1).unwrap();
            let id = matcher::MerchantId::parse(&m.merchant_id).unwrap();
            assert!(id.is_unionpay_form());
            assert_eq!(id.embedded_mcc(), Some(m.mcc));
            assert!(m.merchant_id.starts_with("102"));
        }
    }

    #[test]
    fn sequences_past_9999_stay_four_characters_and_distinct() {
        assert_eq!(sequence_code(1), "0001");
        assert_eq!(sequence_code(9999), "9999");
        assert_eq!(sequence_code(10_000), "A000");
        assert_eq!(sequence_code(10_001), "A001");
        assert_ne!(sequence_code(10_036), sequence_code(10_000));
        assert_eq!(sequence_code(10_036).len(), 4);
    }
}
