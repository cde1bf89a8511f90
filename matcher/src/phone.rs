//! Mainland mobile phone numbers (KYC.md §1.3).

use std::fmt;

use crate::mask;
use crate::normalise;
use crate::record::Protected;
use crate::token::{TokenKey, TokenKind};

/// Why a mobile phone number was rejected.
///
/// The message never carries the number: the hub logs and returns it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Not 11 digits starting 13–19 once the country code and separators are removed.
    #[error(
        "mobile phone must be 11 digits starting with 13-19 (after removing +86 and separators)"
    )]
    Format,
}

impl PhoneError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            PhoneError::Format => "phone_format",
        }
    }
}

/// A mainland mobile number: 11 digits matching `^1[3-9]\d{9}$`.
///
/// No 3-digit carrier prefixes are checked beyond `1[3-9]`: segments are added
/// every few years (16x, 19x) and a hard-coded list would reject real numbers.
/// `Debug` prints the masked form only and there is no `Display`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Parses a number as written: full-width digits and plus folded; spaces,
    /// hyphens and parentheses removed; then a `+86` or `0086` country code
    /// removed, or a bare `86` when what is left is 11 digits starting with
    /// `1` (so a number that merely starts with 86 is never cut).
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let s = normalise::compact(raw, |c| matches!(c, '-' | '(' | ')'));
        let national = s
            .strip_prefix("+86")
            .or_else(|| s.strip_prefix("0086"))
            .or_else(|| {
                s.strip_prefix("86")
                    .filter(|rest| rest.len() == 11 && rest.starts_with('1'))
            })
            .unwrap_or(&s);
        let b = national.as_bytes();
        let valid = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(MobilePhone(national.to_owned()))
        } else {
            Err(PhoneError::Format)
        }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The E.164 form, `+8613800138000`.
    pub fn e164(&self) -> String {
        format!("+86{}", self.0)
    }

    /// Token and masked form, for storing.
    pub fn protect(&self, key: &TokenKey) -> Protected {
        key.protect(TokenKind::Phone, &self.0)
    }

    /// The masked form, `138****5678`.
    pub fn masked(&self) -> String {
        mask::phone(&self.0)
    }
}

impl fmt::Debug for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MobilePhone").field(&self.masked()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_examples_from_kyc_md_all_become_11_digits() {
        for raw in [
            "+86 138-0013-8000",
            "0086 13800138000",
            "８６１３８００１３８０００",
            "13800138000",
            "(+86) 138 0013 8000",
            "＋８６ １３８００１３８０００",
            "8613800138000",
        ] {
            assert_eq!(
                MobilePhone::parse(raw).unwrap().as_str(),
                "13800138000",
                "{raw}"
            );
        }
    }

    #[test]
    fn new_segments_are_accepted() {
        for raw in ["14512345678", "16612345678", "17012345678", "19212345678"] {
            assert!(MobilePhone::parse(raw).is_ok(), "{raw}");
        }
    }

    #[test]
    fn landlines_short_long_and_iot_numbers_are_rejected() {
        for bad in [
            "010-12345678",
            "12812345678",
            "1380013800",
            "138001380001",
            "1440000000000",
            "+85261234567",
            "86138001380",
            "+1 13800138000",
            "1380013800a",
            "",
        ] {
            assert_eq!(
                MobilePhone::parse(bad).unwrap_err().code(),
                "phone_format",
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_and_errors_never_show_the_number() {
        let phone = MobilePhone::parse("13856785678").unwrap();
        assert_eq!(format!("{phone:?}"), "MobilePhone(\"138****5678\")");
        let err = MobilePhone::parse("1385678567").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("5678567"));
    }

    #[test]
    fn protect_gives_the_token_and_the_mask() {
        let key = TokenKey::from_bytes([3; 32]);
        let p = MobilePhone::parse("+86 138 5678 5678")
            .unwrap()
            .protect(&key);
        assert_eq!(p.masked, "138****5678");
        assert_eq!(p.token, key.token(TokenKind::Phone, "13856785678"));
    }

    proptest! {
        #[test]
        fn every_written_form_parses_to_the_same_number(
            n in "1[3-9][0-9]{9}",
            prefix in prop_oneof![Just(""), Just("+86"), Just("0086"), Just("86"), Just("+86 "), Just("(+86)")],
        ) {
            let written = format!("{prefix}{}-{}-{}", &n[..3], &n[3..7], &n[7..]);
            let phone = MobilePhone::parse(&written).unwrap();
            prop_assert_eq!(phone.as_str(), n.as_str());
            prop_assert_eq!(MobilePhone::parse(phone.as_str()).unwrap(), phone);
        }
    }
}
