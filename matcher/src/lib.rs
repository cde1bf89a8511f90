//! matcher: the pure core of mhub. No I/O, no clock, no async: every function
//! here is a deterministic computation that the hub, the CLI's offline
//! screening and the sample generator share, so they can never disagree on
//! what a value means.
//!
//! Components:
//! - [`normalise`]: text folding (full-width, zero-width, brackets, middle
//!   dots, whitespace), traditional → simplified, Chinese numerals, merchant
//!   name cores ([`CompanyName`], [`NameCore`]), addresses parsed against the
//!   gazetteer ([`ParsedAddress`]), other document numbers and coordinates;
//! - identifier newtypes parsed at the boundary, each with a stable error
//!   code: [`ResidentId`] (GB 11643), [`Uscc`] (GB 32100), [`MobilePhone`],
//!   [`AccountNumber`] (Luhn), [`TerminalSn`], [`MerchantId`], [`TerminalId`],
//!   [`Mcc`] (ISO 18245 + UnionPay), [`RegionCode`];
//! - [`Gazetteer`]: the GB/T 2260 administrative divisions with a
//!   representative point each; datums ([`gcj02_to_wgs84`]) and distances
//!   ([`distance_m`], with `geo`);
//! - location checks ([`check_location`] under a [`LocationPolicy`]):
//!   region code against address, GPS against the declared division, photo
//!   EXIF GPS and terminals against the merchant;
//! - perceptual photo hashes ([`PhotoHash`]) with the multi-index probes
//!   that find near-duplicates without a scan ([`PhotoIndex`]), confirmed by
//!   correlating thumbnails ([`near_duplicate`]);
//! - tokens ([`TokenKey`], [`Token`], [`TokenKind`]) and [`mask`]s: the key
//!   design choice is that payment-sensitive values (identity numbers, phones,
//!   account numbers) leave a parser only as a keyed HMAC token plus a masked
//!   form ([`Protected`]), and their `Debug` output and error messages are
//!   masked, so the hub cannot log them in clear by accident;
//! - [`MerchantRecord`]: the normalised record that matching reads;
//! - fuzzy matching of nominees who share no identifier (SPEC §5 `linked`),
//!   in three steps: [`FuzzyRecord`] (the comparable form, with
//!   [`Premises`] read from the address) → [`CandidateIndex`] (a tantivy
//!   index over name and address character n-grams within a district:
//!   candidates without a scan) → [`score`] (rules over field similarities
//!   weighted by [`rarity`] in the stored data, each [`Link`] with its
//!   [`Explanation`]) → [`clusters`] ([`UnionFind`] over the links).
//!
//! - the blacklist: its vocabulary ([`SubjectType`], [`Reason`],
//!   [`Penalty`]), what an entry lists ([`ListedEntry`]), and the
//!   [`Screener`] that screens a record against every active entry with a
//!   match code per field, online in the hub and offline in a member's
//!   feed mirror alike.
//!
//! Reference data (ISO 18245 codes, the gazetteer) is embedded at compile
//! time from `matcher/data/`; see its README for sources and licences.

#![deny(missing_docs)]

mod account;
mod batch_csv;
mod blacklist;
mod candidates;
mod cluster;
mod csv;
mod datum;
mod error;
mod explanation;
mod frequency;
mod fuzzy;
mod gazetteer;
mod location;
pub mod mask;
mod mcc;
mod merchant_id;
pub mod normalise;
mod phone;
mod photo_hash;
mod premises;
mod record;
mod region_code;
mod resident_id;
mod scoring;
mod screening;
mod terminal_id;
mod terminal_sn;
#[cfg(test)]
mod test_support;
mod token;
mod uscc;

pub use account::{AccountError, AccountNumber, luhn_check_digit, luhn_valid};
pub use batch_csv::{MERCHANT_CSV_COLUMNS, REQUIRED_MERCHANT_CSV_COLUMNS, TERMINAL_CSV_COLUMNS};
pub use blacklist::{ListedEntry, ListedSubject, Penalty, Reason, SubjectType, UnknownValue};
pub use candidates::{CandidateIndex, CandidateIndexError, Lookup};
pub use cluster::{UnionFind, clusters};
pub use datum::{distance_m, gcj02_to_wgs84, wgs84_to_gcj02};
pub use error::Error;
pub use explanation::{Category, Evidence, Explanation, Role, Rule, Signal};
pub use frequency::{
    COMMON_DF, Frequencies, FrequencyField, FrequencyTable, Memoised, RARE_DF, rarity,
};
pub use fuzzy::{FuzzyRecord, family_key, person_key};
pub use gazetteer::{Division, DivisionLevel, Gazetteer};
pub use location::{
    LocationCheck, LocationFinding, LocationPolicy, check_location, declared_division,
    division_point, verified_location,
};
pub use mcc::{Mcc, MccError};
pub use merchant_id::{MerchantId, MerchantIdError};
pub use normalise::{
    CompanyName, CoordinatesError, DocumentNumberError, NameCore, NameTokens, ParsedAddress,
};
pub use phone::{MobilePhone, PhoneError};
pub use photo_hash::{
    BANDS, MIN_SIMILARITY, PhotoHash, PhotoIndex, PhotoMatch, SEARCH_MAX_BITS, THUMBNAIL_SIDE,
    Thumbnail, near_duplicate,
};
pub use premises::{
    Premises, PremisesLevel, PremisesMatch, STREET_MIN_SIMILARITY, TEXT_MIN_SIMILARITY, UnitKind,
    UnitToken,
};
pub use record::*;
pub use region_code::{RegionCode, RegionCodeError};
pub use resident_id::{ResidentId, ResidentIdError, resident_id_check_char};
pub use scoring::{
    GPS_MAX_M, LINK_MIN_SCORE, Link, MIN_ANCHOR_WEIGHT, MIN_CORROBORATION_WEIGHT,
    NAME_MIN_SIMILARITY, W_BUILDING, W_CONTROLLER, W_GPS, W_LEGAL_REP_NAME, W_NAME, W_PHOTO,
    W_PREMISES, explain, score,
};
pub use screening::{
    Decision, FieldMatch, FieldMatches, Hit, MatchCode, NAME_PARTIAL_SIMILARITY, Screener,
    Screening, compare, entry_keys, record_keys,
};
pub use terminal_id::{TerminalId, TerminalIdError};
pub use terminal_sn::{TerminalSn, TerminalSnError};
pub use token::{MAX_TOKEN_KEY_GENERATIONS, Token, TokenError, TokenKey, TokenKind};
pub use uscc::{Uscc, UsccError, org_code_check_char, uscc_check_char};
