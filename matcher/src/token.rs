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
    /// A token key is one to 32 generations of 32 bytes, each written as
    /// 64 hex digits.
    #[error("token key must be 64 hex digits (32 bytes) per generation, 1 to 32 generations")]
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

/// The most generations a token key may have: each rotation adds one, and
/// each costs one more HMAC per token; a network rotating yearly never nears it.
pub const MAX_TOKEN_KEY_GENERATIONS: usize = 32;

/// The network's token key: one 32-byte key, then one more for each rotation.
///
/// A token is `HMAC-SHA256(k₁, "prefix:normalised")`, and after each
/// rotation to a new generation `kₙ` it is wrapped once more:
/// `HMAC-SHA256(kₙ, "rekey:" ‖ previous token)`. That is what makes the key
/// rotatable at all. The hub never holds the raw values it would need to
/// tokenise afresh, but it holds every token, so it can wrap each one
/// under the new generation ([`TokenKey::rewrap`]); a member who fetches the
/// key after the rotation computes the same wrapped tokens from raw values
/// ([`TokenKey::token`]). Someone who stole the earlier generations cannot
/// test guesses against tokens wrapped under a generation they never saw.
///
/// `Debug` never prints the key: the hub logs configuration and errors with
/// `{:?}`, and a leaked key turns every token back into a guessable value.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenKey(Vec<[u8; 32]>);

/// What a generation hashes in front of the token it wraps. Part of every
/// stored token after a rotation: never edit it.
const REKEY_PREFIX: &[u8] = b"rekey:";

impl TokenKey {
    /// A key of one generation from its raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenKey(vec![bytes])
    }

    /// A key from its generations, oldest first (at least one, at most
    /// [`MAX_TOKEN_KEY_GENERATIONS`]).
    pub fn from_generations(generations: Vec<[u8; 32]>) -> Result<Self, TokenError> {
        if generations.is_empty() || generations.len() > MAX_TOKEN_KEY_GENERATIONS {
            return Err(TokenError::KeyFormat);
        }
        Ok(TokenKey(generations))
    }

    /// A key from 64 hex digits per generation, oldest first (either case,
    /// surrounding whitespace ignored).
    pub fn from_hex(hex_key: &str) -> Result<Self, TokenError> {
        let hex_key = hex_key.trim();
        if hex_key.is_empty() || !hex_key.len().is_multiple_of(64) {
            return Err(TokenError::KeyFormat);
        }
        let generations = hex_key
            .as_bytes()
            .chunks(64)
            .map(|chunk| {
                let mut bytes = [0u8; 32];
                hex::decode_to_slice(chunk, &mut bytes).map_err(|_| TokenError::KeyFormat)?;
                Ok(bytes)
            })
            .collect::<Result<Vec<_>, _>>()?;
        TokenKey::from_generations(generations)
    }

    /// The generations, oldest first, for storing the key itself (never
    /// for logging).
    pub fn generations(&self) -> &[[u8; 32]] {
        &self.0
    }

    /// The key as 64 lower-case hex digits per generation, oldest first, for
    /// storing it or handing it to a subscriber.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(hex::encode).collect()
    }

    /// The key after one more rotation: these generations and `next`.
    pub fn rotated(&self, next: [u8; 32]) -> Result<TokenKey, TokenError> {
        let mut generations = self.0.clone();
        generations.push(next);
        TokenKey::from_generations(generations)
    }

    /// A short public name of the key, the same for every holder of the same
    /// generations: 16 hex digits of `SHA-256("mhub-token-key-id" ‖ key)`.
    /// It reveals nothing about the key (a hash of 256 random bits), so the
    /// store, the feed mirror and the logs can say which key they were
    /// written under, and a hub refuses to start on a database tokenised
    /// under another key.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let mut hash = Sha256::new();
        hash.update(b"mhub-token-key-id");
        for generation in &self.0 {
            hash.update(generation);
        }
        hex::encode(&hash.finalize()[..8])
    }

    /// `HMAC-SHA256(key, "prefix:normalised")` as lower-case hex, wrapped
    /// once by each later generation (see the type's documentation).
    ///
    /// `normalised` must already be in canonical form (use the parsed
    /// newtypes' `protect`): `138 0013 8000` and `13800138000` are different
    /// HMAC inputs and would never match.
    pub fn token(&self, kind: TokenKind, normalised: &str) -> Token {
        let (first, later) = self.0.split_first().expect("a key has a generation");
        let mut mac =
            Hmac::<Sha256>::new_from_slice(first).expect("HMAC accepts keys of any length");
        mac.update(kind.prefix().as_bytes());
        mac.update(b":");
        mac.update(normalised.as_bytes());
        let mut token = Token(hex::encode(mac.finalize().into_bytes()));
        for generation in later {
            token = wrap(generation, &token);
        }
        token
    }

    /// The token under this key of a value whose token under the key before
    /// the last rotation was `previous`: how the hub re-tokenises what it
    /// stores without the raw values.
    pub fn rewrap(&self, previous: &Token) -> Token {
        wrap(self.0.last().expect("a key has a generation"), previous)
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

/// One generation's wrap of a token.
fn wrap(generation: &[u8; 32], token: &Token) -> Token {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(generation).expect("HMAC accepts keys of any length");
    mac.update(REKEY_PREFIX);
    mac.update(token.as_str().as_bytes());
    Token(hex::encode(mac.finalize().into_bytes()))
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
    fn a_rotated_key_tokenises_raw_values_as_the_rewrap_of_the_old_tokens() {
        let old = key();
        let new = old.rotated([9u8; 32]).unwrap();
        for (kind, value) in [
            (TokenKind::Phone, "13800138000"),
            (TokenKind::ResidentId, "11010519491231002X"),
            (TokenKind::Account, "6222021234567890123"),
        ] {
            let before = old.token(kind, value);
            let after = new.token(kind, value);
            assert_ne!(before, after);
            assert_eq!(new.rewrap(&before), after);
        }
        // Twice rotated: still one wrap per rotation, from the first token.
        let newer = new.rotated([4u8; 32]).unwrap();
        let t = old.token(TokenKind::Phone, "13800138000");
        assert_eq!(
            newer.token(TokenKind::Phone, "13800138000"),
            newer.rewrap(&new.rewrap(&t))
        );
    }

    #[test]
    fn a_rotated_key_round_trips_through_hex_and_has_its_own_fingerprint() {
        let old = key();
        let new = old.rotated([9u8; 32]).unwrap();
        assert_eq!(new.to_hex().len(), 128);
        assert!(new.to_hex().starts_with(&old.to_hex()));
        assert_eq!(TokenKey::from_hex(&new.to_hex()).unwrap(), new);
        assert_ne!(old.fingerprint(), new.fingerprint());
        assert_eq!(old.fingerprint(), key().fingerprint());
        assert_eq!(old.fingerprint().len(), 16);
        assert!(TokenKey::from_hex(&"0f".repeat(48)).is_err());
        assert!(TokenKey::from_generations(vec![]).is_err());
        assert!(TokenKey::from_generations(vec![[1; 32]; MAX_TOKEN_KEY_GENERATIONS + 1]).is_err());
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
