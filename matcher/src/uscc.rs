//! Unified social credit codes (GB 32100-2015, KYC.md §1.2).

use std::fmt;

use serde::Serialize;

use crate::normalise;

/// Why a unified social credit code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    /// Not 18 characters from the code's 31-character alphabet.
    #[error("USCC must be 18 characters of digits and upper-case letters other than I, O, Z, S, V")]
    Format,
    /// The 18th character is not the check character of the first 17.
    #[error("USCC check character does not match (GB 32100)")]
    CheckChar,
}

impl UsccError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            UsccError::Format => "uscc_format",
            UsccError::CheckChar => "uscc_check_char",
        }
    }
}

/// A valid unified social credit code (统一社会信用代码), upper-case.
///
/// Not payment-sensitive: it is printed on every business licence and public
/// in the national enterprise registry, so it is kept and shown in clear.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uscc(String);

/// The code's alphabet; a character's value is its index. I, O, Z, S and V are
/// left out because they are easily confused with 1, 0, 2, 5 and U.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
/// `3^(i-1) mod 31` for positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 organisation-code weights for its first 8 characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// The GB 32100 check character of a 17-character body, or `None` if `body17`
/// is not 17 characters of the code's alphabet (digits and upper-case letters
/// except I, O, Z, S, V).
///
/// ```
/// assert_eq!(matcher::uscc_check_char("91350100M000100Y4"), Some('3'));
/// ```
pub fn uscc_check_char(body17: &str) -> Option<char> {
    let body = body17.as_bytes();
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in body.iter().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let check = (31 - sum % 31) % 31;
    Some(char::from(ALPHABET[check as usize]))
}

/// The GB 11714 organisation-code check character of its first 8 characters
/// (digits and upper-case letters), or `None` if `body8` is not that.
///
/// ```
/// assert_eq!(matcher::org_code_check_char("M000100Y"), Some('4'));
/// ```
pub fn org_code_check_char(body8: &str) -> Option<char> {
    let body = body8.as_bytes();
    if body.len() != 8 {
        return None;
    }
    let mut sum = 0;
    for (&c, w) in body.iter().zip(ORG_WEIGHTS) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from_digit(c, 10)?,
    })
}

impl Uscc {
    /// Parses a code as written: trims, removes spaces, folds full-width
    /// characters, upper-cases, then checks the alphabet and the check
    /// character.
    pub fn parse(raw: &str) -> Result<Self, UsccError> {
        let s = normalise::compact(raw, |_| false).to_ascii_uppercase();
        if s.len() != 18 || !s.bytes().all(|c| value(c).is_some()) {
            return Err(UsccError::Format);
        }
        if uscc_check_char(&s[..17]) != s[17..].chars().next() {
            return Err(UsccError::CheckChar);
        }
        Ok(Uscc(s))
    }

    /// The 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether positions 9–17 carry a valid GB 11714 organisation code.
    ///
    /// A warning only: codes converted from pre-2015 registrations do not
    /// always satisfy it, and the GB 32100 check character already protects
    /// the whole code against typing errors.
    pub fn org_code_valid(&self) -> bool {
        org_code_check_char(&self.0[8..16]) == self.0[16..17].chars().next()
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_worked_example_is_valid() {
        let code = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
        assert!(code.org_code_valid());
    }

    #[test]
    fn spaces_lower_case_and_full_width_are_normalised() {
        for raw in [
            " 91350100m000100y43 ",
            "9135 0100 M000 100Y 43",
            "９１３５０１００Ｍ０００１００Ｙ４３",
        ] {
            assert_eq!(Uscc::parse(raw).unwrap().as_str(), "91350100M000100Y43");
        }
    }

    #[test]
    fn letters_outside_the_alphabet_are_format_errors() {
        for bad in [
            "91350100O000100Y43",
            "91350100I000100Y43",
            "9135010OZ000100S43",
            "91350100M000100V43",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100-000100Y43",
        ] {
            assert_eq!(Uscc::parse(bad).unwrap_err().code(), "uscc_format", "{bad}");
        }
    }

    #[test]
    fn a_wrong_check_character_is_rejected() {
        assert_eq!(
            Uscc::parse("91350100M000100Y44").unwrap_err().code(),
            "uscc_check_char"
        );
    }

    #[test]
    fn a_bad_organisation_code_is_only_a_warning() {
        // Same authority and area, org code M000100Y with the wrong check 5.
        let body = "91350100M000100Y5";
        let code = format!("{body}{}", uscc_check_char(body).unwrap());
        let uscc = Uscc::parse(&code).unwrap();
        assert!(!uscc.org_code_valid());
    }

    #[test]
    fn check_char_functions_reject_malformed_bodies() {
        assert_eq!(uscc_check_char("91350100M000100Y"), None);
        assert_eq!(uscc_check_char("91350100O000100Y4"), None);
        assert_eq!(uscc_check_char("91350100m000100Y4"), None);
        assert_eq!(org_code_check_char("M000100"), None);
        assert_eq!(org_code_check_char("m000100Y"), None);
    }

    proptest! {
        #[test]
        fn a_body_with_its_check_char_parses_and_round_trips(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let check = uscc_check_char(&body).unwrap();
            let code = Uscc::parse(&format!("{body}{check}")).unwrap();
            prop_assert_eq!(Uscc::parse(code.as_str()).unwrap(), code);
        }

        #[test]
        fn any_other_check_char_is_rejected(body in "[0-9A-HJ-NPQRTUWXY]{17}", other in 0usize..31) {
            let check = uscc_check_char(&body).unwrap();
            let wrong = char::from(ALPHABET[other]);
            prop_assume!(wrong != check);
            prop_assert_eq!(Uscc::parse(&format!("{body}{wrong}")), Err(UsccError::CheckChar));
        }
    }
}
