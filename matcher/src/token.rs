//! Keyed tokens for payment-sensitive identifiers (SPEC §4).
//!
//! The hub never keeps an identity number, phone number or settlement account
//! in clear. It keeps `HMAC-SHA256(network key, "kind:normalised")` instead: two
//! institutions that hold the same value under the same network key get the
//! same token, so exact matching still works, while the token alone reveals
//! nothing without the key. A plain hash would not do: an 18-digit ID has so
//! little entropy (region, birth date, sequence) that every possible value can
//! be hashed in hours.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::Sha256;

use crate::mask;
use crate::record::{IdType, Protected};

/// Why a token or a token key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// A token key must be exactly 32 bytes, written as 64 hex digits.
    #[error("token key must be 64 hex digits (32 bytes)")]
    KeyFormat,
    /// A token must be exactly 64 hex digits (an HMAC-SHA256 output).
    #[error("token must be 64 hex digits")]
    TokenFormat,
}

impl TokenError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::KeyFormat => "token_key_format",
            TokenError::TokenFormat => "token_format",
        }
    }
}

/// What kind of value a token stands for.
///
/// The kind is part of the HMAC input, so the same digits entered as a phone
/// number and as an account number give unrelated tokens: evidence never
/// crosses field boundaries by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// Mainland resident identity number (18 characters).
    ResidentId,
    /// Passport number.
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents.
    HkMacaoPermit,
    /// Any other identity document.
    OtherId,
    /// Mainland mobile phone number (11 digits).
    Phone,
    /// Settlement account: bank card or corporate account number.
    Account,
}

impl TokenKind {
    /// The prefix hashed in front of the value.
    ///
    /// These strings are part of every stored token and of the signed feed:
    /// changing one orphans every token of that kind. Never edit them.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenKind::ResidentId => "resident_id",
            TokenKind::Passport => "passport",
            TokenKind::HkMacaoPermit => "hk_macao_permit",
            TokenKind::OtherId => "other_id",
            TokenKind::Phone => "phone",
            TokenKind::Account => "account",
        }
    }

    /// The mask that suits this kind of value.
    pub fn mask(self, normalised: &str) -> String {
        match self {
            TokenKind::ResidentId => mask::resident_id(normalised),
            TokenKind::Passport | TokenKind::HkMacaoPermit | TokenKind::OtherId => {
                mask::document(normalised)
            }
            TokenKind::Phone => mask::phone(normalised),
            TokenKind::Account => mask::account(normalised),
        }
    }
}

impl From<IdType> for TokenKind {
    fn from(id_type: IdType) -> Self {
        match id_type {
            IdType::ResidentId => TokenKind::ResidentId,
            IdType::Passport => TokenKind::Passport,
            IdType::HkMacaoPermit => TokenKind::HkMacaoPermit,
            IdType::Other => TokenKind::OtherId,
        }
    }
}

/// The network's 32-byte token key.
///
/// `Debug` never prints the key: the hub logs configuration and errors with
/// `{:?}`, and a leaked key turns every token back into a guessable value.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey([u8; 32]);

impl TokenKey {
    /// A key from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenKey(bytes)
    }

    /// A key from 64 hex digits (either case, surrounding whitespace ignored).
    pub fn from_hex(hex_key: &str) -> Result<Self, TokenError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex_key.trim(), &mut bytes).map_err(|_| TokenError::KeyFormat)?;
        Ok(TokenKey(bytes))
    }

    /// The raw key bytes, for storing the key itself (never for logging).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The key as 64 lower-case hex digits, for storing or handing it to a subscriber.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// `HMAC-SHA256(key, "prefix:normalised")` as lower-case hex.
    ///
    /// `normalised` must already be in canonical form (use the parsed
    /// newtypes' `protect`): `138 0013 8000` and `13800138000` are different
    /// HMAC inputs and would never match.
    pub fn token(&self, kind: TokenKind, normalised: &str) -> Token {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(kind.prefix().as_bytes());
        mac.update(b":");
        mac.update(normalised.as_bytes());
        Token(hex::encode(mac.finalize().into_bytes()))
    }

    /// Token and mask of an already normalised value, the mask chosen by `kind`.
    ///
    /// For values that have no newtype of their own (passport and other
    /// document numbers from [`crate::normalise::document_number`]).
    pub fn protect(&self, kind: TokenKind, normalised: &str) -> Protected {
        Protected {
            token: self.token(kind, normalised),
            masked: kind.mask(normalised),
        }
    }
}

impl fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKey(<redacted>)")
    }
}

/// A keyed token: 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Token(String);

impl Token {
    /// A token from 64 hex digits (either case; stored lower-case).
    pub fn from_hex(s: &str) -> Result<Self, TokenError> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Token(s.to_ascii_lowercase()))
        } else {
            Err(TokenError::TokenFormat)
        }
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex digits, by value.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Deserialisation validates, so a token read back from the store or the feed
// is as trustworthy as one just computed; the wire form is the bare string.
impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Token::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> TokenKey {
        TokenKey::from_bytes([7u8; 32])
    }

    #[test]
    fn token_is_hmac_sha256_of_prefixed_value() {
        // RFC 4231-style cross-check computed independently:
        // HMAC-SHA256(key=0x07*32, "phone:13800138000").
        let mut mac = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
        mac.update(b"phone:13800138000");
        let expected = hex::encode(mac.finalize().into_bytes());

        let token = key().token(TokenKind::Phone, "13800138000");

        assert_eq!(token.as_str(), expected);
        assert_eq!(token.as_str().len(), 64);
    }

    #[test]
    fn same_digits_of_different_kinds_give_different_tokens() {
        let k = key();
        assert_ne!(
            k.token(TokenKind::Phone, "13800138000"),
            k.token(TokenKind::Account, "13800138000")
        );
    }

    #[test]
    fn debug_of_a_key_does_not_print_the_key() {
        let k = TokenKey::from_hex(&"ab".repeat(32)).unwrap();
        let debug = format!("{k:?}");
        assert!(!debug.contains("ab"), "{debug}");
        assert!(!debug.contains("171"), "{debug}");
    }

    #[test]
    fn key_from_hex_round_trips_and_rejects_bad_lengths() {
        let k = TokenKey::from_hex(&"0f".repeat(32)).unwrap();
        assert_eq!(k.to_hex(), "0f".repeat(32));
        assert_eq!(
            TokenKey::from_hex("0f0f").unwrap_err().code(),
            "token_key_format"
        );
        assert!(TokenKey::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn token_from_hex_lower_cases_and_validates() {
        let t = Token::from_hex(&"AB".repeat(32)).unwrap();
        assert_eq!(t.as_str(), "ab".repeat(32));
        assert_eq!(Token::from_hex("abc").unwrap_err().code(), "token_format");
    }

    #[test]
    fn deserialising_a_token_validates_it() {
        use serde::de::IntoDeserializer;
        use serde::de::value::{Error as ValueError, StrDeserializer};

        let hex = "CD".repeat(32);
        let good: StrDeserializer<'_, ValueError> = hex.as_str().into_deserializer();
        assert_eq!(Token::deserialize(good).unwrap().as_str(), "cd".repeat(32));

        let bad: StrDeserializer<'_, ValueError> = "not a token".into_deserializer();
        assert!(Token::deserialize(bad).is_err());
    }

    #[test]
    fn id_types_map_to_their_token_kinds() {
        assert_eq!(TokenKind::from(IdType::Other), TokenKind::OtherId);
        assert_eq!(TokenKind::from(IdType::ResidentId).prefix(), "resident_id");
    }
}
