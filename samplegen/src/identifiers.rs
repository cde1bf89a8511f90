//! Valid, never-repeating identifiers: resident IDs, phones, bank cards,
//! corporate accounts, USCCs, terminal numbers and serials.
//!
//! Check characters come from matcher, so generated data passes exactly the
//! rules the hub applies. Uniqueness comes from [`Allocator`]s: two planted
//! merchants share a value only because a case put it there.

use time::{Date, Duration, Month};

use crate::error::Error;
use crate::geo::Place;
use crate::names;
use crate::rng::{self, Rng, mix};
use crate::unique::Allocator;

/// Birth dates run over these 50 years (adults at onboarding in 2015–2025).
const FIRST_BIRTH_YEAR: i32 = 1955;
const BIRTH_DAYS: u64 = 18_262;

/// Mobile prefixes in use (KYC §1.3: anything `1[3-9]` is issued).
const PHONE_PREFIXES: &[&str] = &[
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
    "178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198",
    "199",
];

/// The USCC / organisation-code alphabet (no I, O, Z, S, V).
const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Serial numbers below this are scattered; the rest are handed out in
/// consecutive blocks, as a shipment of terminals is.
const SCATTERED_SERIALS: u64 = 90_000_000;
const ALL_SERIALS: u64 = 100_000_000;

/// POS vendors and models with their serial prefix (vendor formats differ;
/// none starts with `SN` or contains `I`/`O`, so slips stay recognisable).
pub(crate) const TERMINAL_MODELS: &[(&str, &str, &str)] = &[
    ("新大陆", "N5", "NL5A"),
    ("新大陆", "N910", "NL9B"),
    ("新大陆", "ME31", "NM31"),
    ("百富", "A920", "0820"),
    ("百富", "S90", "0190"),
    ("百富", "Q92", "2Q92"),
    ("联迪", "A8", "LD8K"),
    ("联迪", "E350", "LE35"),
    ("惠尔丰", "VX520", "VF52"),
];

/// A resident identity number with the facts it encodes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResidentNumber {
    /// The canonical 18-character form.
    pub(crate) number: String,
    pub(crate) birth: Date,
    pub(crate) female: bool,
}

impl ResidentNumber {
    /// Builds the number from its parts, computing the check character.
    pub(crate) fn from_parts(region: &str, birth: Date, sequence: u32) -> ResidentNumber {
        let body = format!(
            "{region}{:04}{:02}{:02}{sequence:03}",
            birth.year(),
            u8::from(birth.month()),
            birth.day()
        );
        let check = matcher::resident_id_check_char(&body).expect("17 digits");
        ResidentNumber {
            number: format!("{body}{check}"),
            birth,
            female: sequence.is_multiple_of(2),
        }
    }

    /// The 15-digit first-generation form, for people born before 2000.
    pub(crate) fn legacy(&self) -> Option<String> {
        (self.birth.year() < 2000).then(|| format!("{}{}", &self.number[..6], &self.number[8..17]))
    }

    /// Whether the check character is `X` (so it can be written `x`).
    pub(crate) fn ends_in_x(&self) -> bool {
        self.number.ends_with('X')
    }
}

/// A bank card or corporate account.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AccountNumber {
    pub(crate) number: String,
    pub(crate) bank: &'static str,
}

/// The allocators for every identifier kind.
pub(crate) struct Identifiers {
    people: Allocator,
    documents: Allocator,
    phones: Allocator,
    cards: Allocator,
    corporate: Allocator,
    org_codes: Allocator,
    serials: Allocator,
    next_block_serial: u64,
    terminal_ids: Allocator,
}

impl Identifiers {
    pub(crate) fn new(seed: u64) -> Identifiers {
        let key = |k: u64| mix(seed ^ mix(k << 32));
        Identifiers {
            people: Allocator::new("resident ID numbers", BIRTH_DAYS * 1000, key(1)),
            documents: Allocator::new("passport numbers", 100_000_000, key(2)),
            phones: Allocator::new(
                "phone numbers",
                PHONE_PREFIXES.len() as u64 * 100_000_000,
                key(3),
            ),
            cards: Allocator::new("card numbers", 1_000_000_000, key(4)),
            corporate: Allocator::new("corporate accounts", 1_000_000_000, key(5)),
            org_codes: Allocator::new("organisation codes", 31u64.pow(6), key(6)),
            serials: Allocator::new("terminal serials", SCATTERED_SERIALS, key(7)),
            next_block_serial: SCATTERED_SERIALS,
            terminal_ids: Allocator::new("terminal numbers", 100_000_000, key(8)),
        }
    }

    /// A fresh resident ID registered in `region`.
    pub(crate) fn resident_id(&mut self, region: &Place) -> Result<ResidentNumber, Error> {
        let v = self.people.take()?;
        let birth = birth_date(v / 1000);
        Ok(ResidentNumber::from_parts(
            region.code(),
            birth,
            (v % 1000) as u32,
        ))
    }

    /// A fresh passport (`E` + 8 digits) or Hong Kong/Macao permit (`H`/`M` + 8 digits).
    pub(crate) fn foreign_document(
        &mut self,
        rng: &mut Rng,
    ) -> Result<(&'static str, String), Error> {
        let v = self.documents.take()?;
        Ok(match rng::between(rng, 0, 2) {
            0 => ("passport", format!("E{v:08}")),
            1 => ("hk_macao_permit", format!("H{v:08}")),
            _ => ("hk_macao_permit", format!("M{v:08}")),
        })
    }

    /// A fresh 11-digit mobile number.
    pub(crate) fn phone(&mut self) -> Result<String, Error> {
        let v = self.phones.take()?;
        let prefix = PHONE_PREFIXES[(v / 100_000_000) as usize];
        Ok(format!("{prefix}{:08}", v % 100_000_000))
    }

    /// A fresh UnionPay debit card (62 BIN, Luhn check digit).
    pub(crate) fn card(&mut self, rng: &mut Rng) -> Result<AccountNumber, Error> {
        let (bank, bin, len, _) = *rng::pick(rng, names::BANKS);
        let v = self.cards.take()?;
        let mut body = bin.to_owned();
        while body.len() + 9 < len - 1 {
            body.push(char::from(b'0' + rng::between(rng, 0, 9) as u8));
        }
        body.push_str(&format!("{v:09}"));
        let check = matcher::luhn_check_digit(&body).expect("digits");
        body.push(check);
        Ok(AccountNumber { number: body, bank })
    }

    /// A fresh corporate account (对公账户) in the bank's own length, no check digit.
    pub(crate) fn corporate_account(&mut self, rng: &mut Rng) -> Result<AccountNumber, Error> {
        let (bank, _, _, len) = *rng::pick(rng, names::BANKS);
        let v = self.corporate.take()?;
        let mut number = char::from(b'1' + rng::between(rng, 0, 8) as u8).to_string();
        while number.len() + 9 < len {
            number.push(char::from(b'0' + rng::between(rng, 0, 9) as u8));
        }
        number.push_str(&format!("{v:09}"));
        Ok(AccountNumber { number, bank })
    }

    /// A fresh USCC registered in `place`: `91` companies, `92` individual businesses.
    pub(crate) fn uscc(&mut self, place: &Place, individual: bool) -> Result<String, Error> {
        let mut v = self.org_codes.take()?;
        let mut org = String::from("MA");
        for _ in 0..6 {
            org.push(char::from(USCC_ALPHABET[(v % 31) as usize]));
            v /= 31;
        }
        let org_check = matcher::org_code_check_char(&org).expect("alphanumeric");
        let kind = if individual { "92" } else { "91" };
        let body = format!("{kind}{}{org}{org_check}", place.code());
        let check = matcher::uscc_check_char(&body).expect("USCC alphabet");
        Ok(format!("{body}{check}"))
    }

    /// A fresh serial number for `model` (an index into [`TERMINAL_MODELS`]).
    pub(crate) fn serial(&mut self, rng: &mut Rng, model: usize) -> Result<String, Error> {
        let v = self.serials.take()?;
        Ok(format_serial(rng, model, v))
    }

    /// `count` consecutive serials of one model, as from one shipment.
    pub(crate) fn serial_block(
        &mut self,
        rng: &mut Rng,
        model: usize,
        count: usize,
    ) -> Result<Vec<String>, Error> {
        let first = self.next_block_serial;
        let end = first + count as u64;
        if end > ALL_SERIALS {
            return Err(Error::Exhausted("consecutive terminal serials"));
        }
        self.next_block_serial = end;
        let year = rng::between(rng, 18, 25);
        let prefix = TERMINAL_MODELS[model].2;
        Ok((first..end)
            .map(|v| format!("{prefix}{year}{v:08}"))
            .collect())
    }

    /// A fresh 8-digit terminal number (ISO 8583 field 41).
    pub(crate) fn terminal_id(&mut self) -> Result<String, Error> {
        Ok(format!("{:08}", self.terminal_ids.take()?))
    }
}

fn format_serial(rng: &mut Rng, model: usize, v: u64) -> String {
    let year = rng::between(rng, 18, 25);
    format!("{}{year}{v:08}", TERMINAL_MODELS[model].2)
}

/// The birth date `day` days after the first one.
fn birth_date(day: u64) -> Date {
    let first = Date::from_calendar_date(FIRST_BIRTH_YEAR, Month::January, 1).expect("valid date");
    first + Duration::days(day as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Places;

    fn today() -> Date {
        Date::from_calendar_date(2026, Month::January, 1).unwrap()
    }

    #[test]
    fn generated_identifiers_pass_matchers_checks() {
        let places = Places::load();
        let mut ids = Identifiers::new(5);
        let mut rng = rng::stream(5, 5, 5);
        for _ in 0..500 {
            let place = places.sample(&mut rng);
            let id = ids.resident_id(place).unwrap();
            assert_eq!(
                matcher::ResidentId::parse(&id.number, today())
                    .unwrap()
                    .as_str(),
                id.number
            );
            if let Some(legacy) = id.legacy() {
                assert_eq!(
                    matcher::ResidentId::parse(&legacy, today())
                        .unwrap()
                        .as_str(),
                    id.number
                );
            }
            assert!(matcher::MobilePhone::parse(&ids.phone().unwrap()).is_ok());
            let card = ids.card(&mut rng).unwrap();
            assert!(matcher::luhn_valid(&card.number), "{}", card.number);
            let uscc = ids.uscc(place, false).unwrap();
            assert_eq!(matcher::Uscc::parse(&uscc).unwrap().as_str(), uscc);
            let sn = ids.serial(&mut rng, 0).unwrap();
            assert!(matcher::TerminalSn::parse(&sn).is_ok());
        }
    }

    #[test]
    fn the_standards_worked_example_is_reproduced() {
        let birth = Date::from_calendar_date(1949, Month::December, 31).unwrap();
        let id = ResidentNumber::from_parts("110105", birth, 2);
        assert_eq!(id.number, "11010519491231002X");
        assert!(id.female && id.ends_in_x());
        assert_eq!(id.legacy().unwrap(), "110105491231002");
    }

    #[test]
    fn serial_blocks_are_consecutive_and_apart_from_scattered_serials() {
        let mut ids = Identifiers::new(1);
        let mut rng = rng::stream(1, 1, 1);
        let block = ids.serial_block(&mut rng, 3, 3).unwrap();
        let tail = |s: &str| s[s.len() - 8..].parse::<u64>().unwrap();
        assert_eq!(tail(&block[1]), tail(&block[0]) + 1);
        assert!(tail(&block[0]) >= SCATTERED_SERIALS);
    }
}
