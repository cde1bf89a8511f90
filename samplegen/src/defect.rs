//! Invalid rows: one defect each, with the error code the hub must report.
//!
//! A defect is applied to an otherwise valid background row after rendering,
//! so the row is wrong in exactly one field. Codes are matcher's validation
//! codes plus the hub's own (`malformed_json`, `missing_field`, `wrong_type`,
//! `photo_undecodable`, `photo_missing`).

use time::{Date, Month};

use matcher::Gazetteer;

use crate::error::Error;
use crate::factory::Factory;
use crate::identifiers::ResidentNumber;
use crate::merchant::{AccountKind, Document, IdStyle, Merchant};
use crate::profile::Format;
use crate::rng::{self, Rng};
use crate::row::{Coordinate, Row};

/// One kind of defect; the order is the order defects are handed out, so a
/// small run gets the most common ones first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defect {
    IdCheckDigit,
    UsccCheckChar,
    PhoneFormat,
    AccountLuhn,
    MccUnknown,
    CoordinatesOutOfRange,
    MalformedJson,
    MissingField,
    PhotoUndecodable,
    IdBirthDate,
    WrongType,
    UsccFormat,
    PhotoMissing,
    IdProvince,
    AccountFormat,
    RegionCodeUnknown,
    SnFormat,
    MccFormat,
    IdFormat,
}

pub(crate) const ALL: [Defect; 19] = [
    Defect::IdCheckDigit,
    Defect::UsccCheckChar,
    Defect::PhoneFormat,
    Defect::AccountLuhn,
    Defect::MccUnknown,
    Defect::CoordinatesOutOfRange,
    Defect::MalformedJson,
    Defect::MissingField,
    Defect::PhotoUndecodable,
    Defect::IdBirthDate,
    Defect::WrongType,
    Defect::UsccFormat,
    Defect::PhotoMissing,
    Defect::IdProvince,
    Defect::AccountFormat,
    Defect::RegionCodeUnknown,
    Defect::SnFormat,
    Defect::MccFormat,
    Defect::IdFormat,
];

impl Defect {
    /// The error code the hub reports.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Defect::IdCheckDigit => "id_check_digit",
            Defect::IdBirthDate => "id_birth_date",
            Defect::IdProvince => "id_province",
            Defect::IdFormat => "id_format",
            Defect::UsccCheckChar => "uscc_check_char",
            Defect::UsccFormat => "uscc_format",
            Defect::PhoneFormat => "phone_format",
            Defect::AccountLuhn => "account_luhn",
            Defect::AccountFormat => "account_format",
            Defect::MccUnknown => "mcc_unknown",
            Defect::MccFormat => "mcc_format",
            Defect::CoordinatesOutOfRange => "coordinates_out_of_range",
            Defect::RegionCodeUnknown => "region_code_unknown",
            Defect::SnFormat => "sn_format",
            Defect::MalformedJson => "malformed_json",
            Defect::MissingField => "missing_field",
            Defect::WrongType => "wrong_type",
            Defect::PhotoUndecodable => "photo_undecodable",
            Defect::PhotoMissing => "photo_missing",
        }
    }

    /// Whether the defect can be written in `format` with photos on or off.
    /// CSV has no types and no broken lines of JSON, and its terminals live in
    /// another file, so those defects are JSON-only.
    pub(crate) fn applies(self, format: Format, photos: bool) -> bool {
        match self {
            Defect::MalformedJson | Defect::WrongType | Defect::SnFormat => format == Format::Jsonl,
            Defect::PhotoUndecodable | Defect::PhotoMissing => photos,
            _ => true,
        }
    }

    /// Makes `m` able to carry the defect: a resident ID written canonically,
    /// a USCC, a card, a terminal, GPS.
    pub(crate) fn prepare(
        self,
        rng: &mut Rng,
        m: &mut Merchant,
        factory: &mut Factory,
    ) -> Result<(), Error> {
        if !matches!(m.legal_rep.document, Document::Resident(_)) {
            m.legal_rep = factory.person(rng, m.address.place)?;
        }
        match self {
            Defect::IdCheckDigit | Defect::IdBirthDate | Defect::IdProvince | Defect::IdFormat => {
                m.forced.id_style = Some(IdStyle::Canonical);
            }
            Defect::UsccCheckChar | Defect::UsccFormat if m.uscc.is_none() => {
                m.uscc = Some(factory.ids().uscc(m.address.place, true)?);
            }
            Defect::AccountLuhn | Defect::AccountFormat if m.account.kind != AccountKind::Card => {
                m.account = factory.card(rng, &m.legal_rep.name)?;
            }
            Defect::SnFormat if m.terminals.is_empty() => {
                m.terminals.push(factory.terminal(rng, m.gps)?);
            }
            Defect::CoordinatesOutOfRange | Defect::WrongType => m.forced.gps = true,
            _ => {}
        }
        Ok(())
    }

    /// Breaks `row`; returns the field concerned as a dotted path (`None`
    /// for a broken JSON line, which has no field). [`Defect::MalformedJson`]
    /// and the photo defects are carried out by the writer; here they only
    /// name their field.
    pub(crate) fn apply(self, rng: &mut Rng, row: &mut Row, m: &Merchant) -> Option<String> {
        let id = || match &m.legal_rep.document {
            Document::Resident(id) => id.clone(),
            Document::Other(..) => {
                unreachable!("prepare() gives every defective row a resident ID")
            }
        };
        match self {
            Defect::IdCheckDigit => {
                let number = id().number;
                let wrong = "10X98765432"
                    .chars()
                    .find(|&c| !number.ends_with(c))
                    .expect("eleven candidates");
                row.legal_rep.id_number = format!("{}{wrong}", &number[..17]);
                Some("legal_rep.id_number".into())
            }
            Defect::IdBirthDate => {
                // 30 February, with a correct check character.
                let n = id().number;
                let body = format!("{}{}0230{}", &n[..6], &n[6..10], &n[14..17]);
                let check = matcher::resident_id_check_char(&body).expect("digits");
                row.legal_rep.id_number = format!("{body}{check}");
                Some("legal_rep.id_number".into())
            }
            Defect::IdProvince => {
                let n = id();
                let prefix = rng::pick(rng, &["00", "10", "24", "39", "49", "60", "72"]);
                let region = format!("{prefix}{}", &n.number[2..6]);
                let birth =
                    Date::from_calendar_date(n.birth.year(), Month::March, 1).expect("date");
                row.legal_rep.id_number = ResidentNumber::from_parts(&region, birth, 123).number;
                Some("legal_rep.id_number".into())
            }
            Defect::IdFormat => {
                let n = id().number;
                row.legal_rep.id_number = n[..17].to_owned();
                Some("legal_rep.id_number".into())
            }
            Defect::UsccCheckChar => {
                let u = row.uscc.clone().expect("prepared with a USCC");
                let wrong = ['0', '1', '2']
                    .into_iter()
                    .find(|&c| !u.ends_with(c))
                    .expect("one differs");
                row.uscc = Some(format!("{}{wrong}", &u[..17]));
                Some("uscc".into())
            }
            Defect::UsccFormat => {
                let u = row.uscc.clone().expect("prepared with a USCC");
                row.uscc = Some(u[..17].to_owned());
                Some("uscc".into())
            }
            Defect::PhoneFormat => {
                row.legal_rep.phone = Some(m.legal_rep.phone[..10].to_owned());
                Some("legal_rep.phone".into())
            }
            Defect::AccountLuhn => {
                let n = &m.account.number;
                let last = n
                    .chars()
                    .last()
                    .and_then(|c| c.to_digit(10))
                    .expect("digit");
                let wrong = char::from_digit((last + 5) % 10, 10).expect("digit");
                row.settlement_account.number = format!("{}{wrong}", &n[..n.len() - 1]);
                Some("settlement_account.number".into())
            }
            Defect::AccountFormat => {
                let n = &m.account.number;
                row.settlement_account.number = format!("{}O{}", &n[..6], &n[7..]);
                Some("settlement_account.number".into())
            }
            Defect::MccUnknown => {
                // 0000–0699 is reserved by ISO 18245.
                row.mcc = Some((*rng::pick(rng, &["0150", "0430", "0699"])).to_owned());
                Some("mcc".into())
            }
            Defect::MccFormat => {
                row.mcc = Some(m.mcc[..3].to_owned());
                Some("mcc".into())
            }
            Defect::CoordinatesOutOfRange => {
                // Swapped lat/lng: the most common slip.
                let (lat, lng) = (m.gps.rounded().lat, m.gps.rounded().lng);
                row.lat = Some(Coordinate::Number(lng));
                row.lng = Some(Coordinate::Number(lat));
                Some("lat".into())
            }
            Defect::RegionCodeUnknown => {
                // A code of the right shape in the right city that does not exist.
                let city = &m.address.place.code()[..4];
                let code = (50..100)
                    .rev()
                    .map(|n| format!("{city}{n}"))
                    .find(|c| Gazetteer::get().division(c).is_none())
                    .expect("no city has 50 county codes above 50");
                row.region_code = Some(code);
                Some("region_code".into())
            }
            Defect::SnFormat => {
                let t = row.terminals.first_mut().expect("prepared with a terminal");
                t.sn = format!("{}#{}", &t.sn[..4], &t.sn[4..]);
                Some("terminals[0].sn".into())
            }
            Defect::MissingField => {
                row.name = None;
                Some("name".into())
            }
            Defect::WrongType => {
                let lat = m.gps.rounded().lat;
                row.lat = Some(Coordinate::Text(format!("北纬{lat}")));
                Some("lat".into())
            }
            Defect::MalformedJson => None,
            Defect::PhotoUndecodable | Defect::PhotoMissing => Some("photos[0].file".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = ALL.iter().map(|d| d.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ALL.len());
    }
}
