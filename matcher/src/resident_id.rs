//! Mainland resident identity numbers (GB 11643-1999, KYC.md §1.1).

use std::fmt;

use time::{Date, Month};

use crate::mask;
use crate::normalise;
use crate::record::Protected;
use crate::token::{TokenKey, TokenKind};

/// Why a resident identity number was rejected.
///
/// Messages never carry the number: the hub logs and returns them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    /// Neither 17 digits plus a digit or `X`, nor a 15-digit legacy number.
    #[error(
        "resident ID must be 18 characters (17 digits and a digit or X) or a 15-digit legacy number"
    )]
    Format,
    /// The first two digits are not a province code.
    #[error("resident ID does not start with a province code")]
    Province,
    /// The birth date is not a real date between 1900-01-01 and today.
    #[error("resident ID birth date is not a real date between 1900 and today")]
    BirthDate,
    /// The 18th character is not the MOD 11-2 check character of the first 17.
    #[error("resident ID check character does not match (GB 11643 MOD 11-2)")]
    CheckDigit,
}

impl ResidentIdError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ResidentIdError::Format => "id_format",
            ResidentIdError::Province => "id_province",
            ResidentIdError::BirthDate => "id_birth_date",
            ResidentIdError::CheckDigit => "id_check_digit",
        }
    }
}

/// A valid 18-character resident identity number, check character upper-case.
///
/// `Debug` prints the masked form only; there is deliberately no `Display`
/// and no `Serialize`, so the raw number leaves only through [`Self::as_str`]
/// (to tokenise it) and never by accident through a log line. Equality is the
/// number's: a legacy and an 18-digit input of one person are the same ID.
#[derive(Clone)]
pub struct ResidentId {
    /// The 18-character form (legacy numbers already converted).
    number: String,
    /// Birth date from positions 7–14.
    birth_date: Date,
    /// The input was a 15-digit first-generation number.
    legacy: bool,
}

/// `2^(17-i) mod 11` for positions 1–17 (ISO 7064 MOD 11-2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder `S mod 11`.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character of a 17-digit body, or `None` if `body17` is
/// not exactly 17 ASCII digits.
///
/// ```
/// assert_eq!(matcher::resident_id_check_char("11010519491231002"), Some('X'));
/// ```
pub fn resident_id_check_char(body17: &str) -> Option<char> {
    let body = body17.as_bytes();
    if body.len() != 17 || !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
}

impl ResidentId {
    /// Parses a resident identity number as people write it.
    ///
    /// Accepts full-width digits, lower-case `x` or full-width `Ｘ`, and
    /// spaces. A 15-digit first-generation number is converted to 18 digits
    /// (`19` inserted before the year, check character appended); those cards
    /// expired in 2013 but old records still carry them. `today` bounds the
    /// birth date; it is a parameter because matcher never reads the clock,
    /// which keeps it deterministic and testable.
    ///
    /// Checks, in order: format, province prefix, birth date, check character.
    /// The 6-digit region is deliberately not looked up: codes are retired and
    /// renumbered but old numbers keep them (SPEC §3).
    pub fn parse(raw: &str, today: Date) -> Result<Self, ResidentIdError> {
        let s = normalise::compact(raw, |_| false).to_ascii_uppercase();
        let b = s.as_bytes();
        let (number, legacy) = match b.len() {
            18 if b[..17].iter().all(u8::is_ascii_digit)
                && (b[17].is_ascii_digit() || b[17] == b'X') =>
            {
                (s, false)
            }
            // Everyone with a 15-digit number was born in the 1900s.
            15 if b.iter().all(u8::is_ascii_digit) => {
                let mut body = String::with_capacity(18);
                body.push_str(&s[..6]);
                body.push_str("19");
                body.push_str(&s[6..]);
                let check = resident_id_check_char(&body).ok_or(ResidentIdError::Format)?;
                body.push(check);
                (body, true)
            }
            _ => return Err(ResidentIdError::Format),
        };

        if !valid_province(&number[..2]) {
            return Err(ResidentIdError::Province);
        }
        let birth_date = birth_date(&number[6..14])
            .filter(|d| d.year() >= 1900 && *d <= today)
            .ok_or(ResidentIdError::BirthDate)?;
        if resident_id_check_char(&number[..17]) != number[17..].chars().next() {
            return Err(ResidentIdError::CheckDigit);
        }
        Ok(ResidentId {
            number,
            birth_date,
            legacy,
        })
    }

    /// The 18-character number.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The holder's birth date.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// Whether the number was given in the 15-digit first-generation form.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }

    /// The 6-digit region of household registration at issue (may be retired).
    pub fn region_code(&self) -> &str {
        &self.number[..6]
    }

    /// Token and masked form, for storing.
    pub fn protect(&self, key: &TokenKey) -> Protected {
        key.protect(TokenKind::ResidentId, &self.number)
    }

    /// The masked form, `110105********123X`.
    pub fn masked(&self) -> String {
        mask::resident_id(&self.number)
    }
}

impl PartialEq for ResidentId {
    fn eq(&self, other: &Self) -> bool {
        self.number == other.number
    }
}

impl Eq for ResidentId {}

impl std::hash::Hash for ResidentId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.number.hash(state);
    }
}

impl fmt::Debug for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentId").field(&self.masked()).finish()
    }
}

/// Mainland province codes (GB/T 2260) plus 81/82/83, the Hong Kong, Macao and
/// Taiwan residence permits issued since 2018. 71 (Taiwan's GB/T 2260 code)
/// never occurs in these numbers, so it is refused.
fn valid_province(two: &str) -> bool {
    matches!(
        two.parse::<u8>(),
        Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 81..=83)
    )
}

/// `YYYYMMDD` as a calendar date, if it is one.
fn birth_date(yyyymmdd: &str) -> Option<Date> {
    let year: i32 = yyyymmdd[..4].parse().ok()?;
    let month: u8 = yyyymmdd[4..6].parse().ok()?;
    let day: u8 = yyyymmdd[6..8].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 01 - 15);

    fn parse(s: &str) -> Result<ResidentId, ResidentIdError> {
        ResidentId::parse(s, TODAY)
    }

    fn code(s: &str) -> &'static str {
        parse(s).unwrap_err().code()
    }

    #[test]
    fn the_standards_sample_number_is_valid() {
        let id = parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert!(!id.is_legacy());
        assert_eq!(id.region_code(), "110105");
    }

    #[test]
    fn worked_check_characters_from_kyc_md() {
        assert_eq!(resident_id_check_char("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check_char("44030419900101123"), Some('3'));
        assert!(parse("440304199001011233").is_ok());
    }

    #[test]
    fn a_15_digit_legacy_number_is_converted_to_18() {
        let id = parse("110105491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert!(id.is_legacy());
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
    }

    #[test]
    fn lower_case_x_full_width_digits_and_spaces_are_accepted() {
        for raw in [
            "11010519491231002x",
            "１１０１０５１９４９１２３１００２Ｘ",
            "11010519491231002ｘ",
            " 110105 19491231 002X ",
            "110105\u{3000}19491231002X",
        ] {
            assert_eq!(parse(raw).unwrap().as_str(), "11010519491231002X", "{raw}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_rejected() {
        assert_eq!(code("110105194912310021"), "id_check_digit");
        assert_eq!(code("440304199001011234"), "id_check_digit");
    }

    #[test]
    fn wrong_lengths_and_characters_are_format_errors() {
        for bad in [
            "",
            "1101051949123100",
            "11010519491231002XX",
            "1101051949123100X2",
            "11010519491231002Y",
            "11010549123100X",
            "110105-19491231-002X",
        ] {
            assert_eq!(code(bad), "id_format", "{bad}");
        }
    }

    #[test]
    fn impossible_birth_dates_are_rejected() {
        // 30 February, 13th month, day 00, before 1900, after today.
        for body in [
            "11010519490230002",
            "11010519491301002",
            "11010519491200002",
            "11010518991231002",
            "11010520260116002",
        ] {
            let id = format!("{body}{}", resident_id_check_char(body).unwrap());
            assert_eq!(code(&id), "id_birth_date", "{body}");
        }
        let leap = "11010520000229002";
        let id = format!("{leap}{}", resident_id_check_char(leap).unwrap());
        assert!(parse(&id).is_ok(), "2000-02-29 is real");
    }

    #[test]
    fn unknown_province_prefixes_are_rejected() {
        for prefix in ["99", "00", "16", "71", "90"] {
            let body = format!("{prefix}010519491231002");
            let id = format!("{body}{}", resident_id_check_char(&body).unwrap());
            assert_eq!(code(&id), "id_province", "{prefix}");
        }
    }

    #[test]
    fn hong_kong_macao_and_taiwan_residence_permits_are_accepted() {
        for prefix in ["81", "82", "83"] {
            let body = format!("{prefix}000019900101123");
            let id = format!("{body}{}", resident_id_check_char(&body).unwrap());
            assert!(parse(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_number() {
        let id = parse("11010519491231002X").unwrap();
        let debug = format!("{id:?}");
        assert_eq!(debug, "ResidentId(\"110105********002X\")");
        let err = parse("110105194912310021").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("19491231"));
    }

    #[test]
    fn protect_gives_the_token_and_the_mask() {
        let key = TokenKey::from_bytes([1; 32]);
        let p = parse("11010519491231002x").unwrap().protect(&key);
        assert_eq!(p.masked, "110105********002X");
        assert_eq!(
            p.token,
            key.token(TokenKind::ResidentId, "11010519491231002X")
        );
    }

    #[test]
    fn check_char_needs_exactly_17_digits() {
        assert_eq!(resident_id_check_char("1101051949123100"), None);
        assert_eq!(resident_id_check_char("1101051949123100A"), None);
    }

    fn valid_body() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                11u8..=15,
                21u8..=23,
                31u8..=37,
                41u8..=46,
                50u8..=54,
                61u8..=65,
                81u8..=83
            ],
            0u32..10_000,
            1900i32..=2025,
            1u8..=12,
            1u8..=28,
            0u32..1000,
        )
            .prop_map(|(p, r, y, m, d, seq)| format!("{p:02}{r:04}{y:04}{m:02}{d:02}{seq:03}"))
    }

    proptest! {
        #[test]
        fn a_valid_body_with_its_check_char_parses_and_round_trips(body in valid_body()) {
            let check = resident_id_check_char(&body).unwrap();
            let id = parse(&format!("{body}{check}")).unwrap();
            prop_assert_eq!(&id.as_str()[..17], body.as_str());
            let again = parse(id.as_str()).unwrap();
            prop_assert_eq!(again, id);
        }

        #[test]
        fn changing_one_digit_of_the_body_is_detected(body in valid_body(), pos in 0usize..17, delta in 1u8..10) {
            // MOD 11-2 detects every single-digit substitution.
            let check = resident_id_check_char(&body).unwrap();
            let mut bytes = body.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_ne!(resident_id_check_char(&changed), Some(check));
        }

        #[test]
        fn a_legacy_number_becomes_its_18_digit_form(body in valid_body().prop_filter("1900s", |b| &b[6..8] == "19")) {
            let legacy = format!("{}{}", &body[..6], &body[8..]);
            let id = parse(&legacy).unwrap();
            prop_assert!(id.is_legacy());
            prop_assert_eq!(&id.as_str()[..17], body.as_str());
        }
    }
}
