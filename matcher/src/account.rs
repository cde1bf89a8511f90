//! Settlement account numbers: bank cards and corporate accounts (KYC.md §1.4).

use std::fmt;

use crate::mask;
use crate::normalise;
use crate::record::{AccountKind, Protected};
use crate::token::{TokenKey, TokenKind};

/// Why a settlement account number was rejected.
///
/// Messages never carry the number: the hub logs and returns them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// Not digits, or a length no account of that kind has.
    #[error(
        "account number must be digits: 12-19 for a card, 8-30 for a corporate account (10-25 when the kind is not given)"
    )]
    Format,
    /// A UnionPay card (`62…`) whose Luhn check digit does not match.
    #[error("UnionPay card number fails the Luhn check")]
    Luhn,
}

impl AccountError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AccountError::Format => "account_format",
            AccountError::Luhn => "account_luhn",
        }
    }
}

/// The Luhn check digit to append to `body`, or `None` if `body` is empty or
/// not all ASCII digits.
///
/// ```
/// assert_eq!(matcher::luhn_check_digit("621700000000000000"), Some('4'));
/// ```
pub fn luhn_check_digit(body: &str) -> Option<char> {
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // With the check digit appended, the body's last digit is second from the
    // right, so doubling starts there.
    let sum = luhn_sum(body.bytes().rev(), true);
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Whether `digits` (ASCII digits, check digit last) passes the Luhn check.
/// `false` for an empty or non-digit string.
pub fn luhn_valid(digits: &str) -> bool {
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_sum(digits.bytes().rev(), false).is_multiple_of(10)
}

/// Luhn sum of digits given right to left; `double_first` says whether the
/// rightmost one is doubled.
fn luhn_sum(rev_digits: impl Iterator<Item = u8>, double_first: bool) -> u32 {
    rev_digits
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if (i % 2 == 0) == double_first {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum()
}

/// A settlement account number: digits only, with its kind.
///
/// `Debug` prints the masked form only and there is no `Display`, so the
/// number never reaches a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccountNumber {
    /// ASCII digits.
    digits: String,
    /// Declared, or inferred from length and Luhn.
    kind: AccountKind,
}

impl AccountNumber {
    /// Parses an account number, removing spaces and hyphens and folding
    /// full-width digits.
    ///
    /// With no declared kind, 16–19 digits that pass Luhn are a card and
    /// anything else of 10–25 digits a corporate account: a corporate number
    /// passes Luhn by chance one time in ten, which only matters if it also
    /// has card length, and then calling it a card costs nothing but the label.
    ///
    /// A declared card must be 12–19 digits. Luhn failure rejects a UnionPay
    /// card (`62…`, whose issuers all apply Luhn) but not others: some legacy
    /// domestic cards are reported not to satisfy it, so for them the caller
    /// should warn on [`Self::luhn_valid`] instead. A declared corporate
    /// account must be 8–30 digits and is never Luhn-checked.
    pub fn parse(raw: &str, declared: Option<AccountKind>) -> Result<Self, AccountError> {
        let digits = normalise::compact(raw, |c| c == '-');
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AccountError::Format);
        }
        let len = digits.len();
        let kind = match declared {
            // A 16–19 digit number on a UnionPay BIN is a card whatever the
            // uploader forgot to say, so its Luhn digit is checked: a typo in
            // it must not slip through as a "corporate account".
            None if (16..=19).contains(&len) && digits.starts_with("62") => {
                if !luhn_valid(&digits) {
                    return Err(AccountError::Luhn);
                }
                AccountKind::Card
            }
            None if (16..=19).contains(&len) && luhn_valid(&digits) => AccountKind::Card,
            None if (10..=25).contains(&len) => AccountKind::Corporate,
            None => return Err(AccountError::Format),
            Some(AccountKind::Card) => {
                if !(12..=19).contains(&len) {
                    return Err(AccountError::Format);
                }
                if digits.starts_with("62") && !luhn_valid(&digits) {
                    return Err(AccountError::Luhn);
                }
                AccountKind::Card
            }
            Some(AccountKind::Corporate) if (8..=30).contains(&len) => AccountKind::Corporate,
            Some(AccountKind::Corporate) => return Err(AccountError::Format),
        };
        Ok(AccountNumber { digits, kind })
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// Card or corporate account.
    pub fn kind(&self) -> AccountKind {
        self.kind
    }

    /// Whether the number passes Luhn. Only meaningful for cards: warn when a
    /// card (necessarily not `62…`, those are rejected) returns `false`.
    pub fn luhn_valid(&self) -> bool {
        luhn_valid(&self.digits)
    }

    /// Token and masked form, for storing.
    pub fn protect(&self, key: &TokenKey) -> Protected {
        key.protect(TokenKind::Account, &self.digits)
    }

    /// The masked form, `622202*********1234`.
    pub fn masked(&self) -> String {
        mask::account(&self.digits)
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountNumber")
            .field("number", &self.masked())
            .field("kind", &self.kind)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn worked_luhn_examples_from_kyc_md() {
        assert_eq!(luhn_check_digit("621700000000000000"), Some('4'));
        assert_eq!(luhn_check_digit("622202100000000000"), Some('9'));
        assert!(luhn_valid("6217000000000000004"));
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
        assert!(!luhn_valid(""));
        assert_eq!(luhn_check_digit(""), None);
        assert_eq!(luhn_check_digit("12a"), None);
    }

    #[test]
    fn a_card_with_spaces_hyphens_and_full_width_digits_is_inferred() {
        for raw in [
            "6217 0000 0000 0000 004",
            "6217-0000-0000-0000-004",
            "６２１７００００００００００００００４",
        ] {
            let account = AccountNumber::parse(raw, None).unwrap();
            assert_eq!(account.as_str(), "6217000000000000004");
            assert_eq!(account.kind(), AccountKind::Card);
        }
    }

    #[test]
    fn a_number_failing_luhn_is_inferred_corporate_unless_it_is_on_a_unionpay_bin() {
        let account = AccountNumber::parse("4217000000000000005", None).unwrap();
        assert_eq!(account.kind(), AccountKind::Corporate);
        let error = AccountNumber::parse("6217000000000000005", None).unwrap_err();
        assert_eq!(error.code(), "account_luhn");
        let account = AccountNumber::parse("110060149018001234567", None).unwrap();
        assert_eq!(account.kind(), AccountKind::Corporate);
    }

    #[test]
    fn undeclared_numbers_outside_10_to_25_digits_are_rejected() {
        for bad in ["123456789", &"1".repeat(26), "", "6217abc"] {
            assert_eq!(
                AccountNumber::parse(bad, None).unwrap_err().code(),
                "account_format"
            );
        }
    }

    #[test]
    fn a_declared_unionpay_card_failing_luhn_is_an_error() {
        let err = AccountNumber::parse("6217000000000000005", Some(AccountKind::Card)).unwrap_err();
        assert_eq!(err.code(), "account_luhn");
    }

    #[test]
    fn a_declared_other_card_failing_luhn_is_only_a_warning() {
        let account = AccountNumber::parse("4367000000000000005", Some(AccountKind::Card)).unwrap();
        assert_eq!(account.kind(), AccountKind::Card);
        assert!(!account.luhn_valid());
    }

    #[test]
    fn declared_lengths_are_enforced() {
        let card = Some(AccountKind::Card);
        let corporate = Some(AccountKind::Corporate);
        assert!(AccountNumber::parse("12345678901", card).is_err());
        assert!(AccountNumber::parse(&"4".repeat(20), card).is_err());
        assert!(AccountNumber::parse("1234567", corporate).is_err());
        assert!(AccountNumber::parse(&"1".repeat(31), corporate).is_err());
        assert_eq!(
            AccountNumber::parse("12345678", corporate).unwrap().kind(),
            AccountKind::Corporate
        );
        // A declared corporate account is never Luhn-checked.
        assert!(AccountNumber::parse("6217000000000000005", corporate).is_ok());
    }

    #[test]
    fn debug_and_errors_never_show_the_number() {
        let account =
            AccountNumber::parse("6222021234567891234", Some(AccountKind::Corporate)).unwrap();
        let debug = format!("{account:?}");
        assert!(debug.contains("622202*********1234"), "{debug}");
        assert!(!debug.contains("123456789"), "{debug}");
        let err = AccountNumber::parse("6217000000000000005", Some(AccountKind::Card)).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("621700"));
    }

    #[test]
    fn protect_gives_the_token_and_the_mask() {
        let key = TokenKey::from_bytes([2; 32]);
        let p = AccountNumber::parse("6217 0000 0000 0000 004", None)
            .unwrap()
            .protect(&key);
        assert_eq!(p.masked, "621700*********0004");
        assert_eq!(
            p.token,
            key.token(TokenKind::Account, "6217000000000000004")
        );
    }

    proptest! {
        #[test]
        fn a_body_with_its_luhn_digit_is_valid_and_a_card(body in "62[0-9]{14,16}") {
            let check = luhn_check_digit(&body).unwrap();
            let number = format!("{body}{check}");
            prop_assert!(luhn_valid(&number));
            let account = AccountNumber::parse(&number, None).unwrap();
            prop_assert_eq!(account.kind(), AccountKind::Card);
            let again = AccountNumber::parse(account.as_str(), Some(account.kind())).unwrap();
            prop_assert_eq!(again, account);
        }

        #[test]
        fn luhn_detects_every_single_digit_error(body in "[0-9]{11,18}", pos in 0usize..11, delta in 1u8..10) {
            let number = format!("{body}{}", luhn_check_digit(&body).unwrap());
            let mut bytes = number.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            prop_assert!(!luhn_valid(&String::from_utf8(bytes).unwrap()));
        }
    }
}
