//! The normalised merchant record: what the hub stores and what matching reads.
//!
//! A `MerchantRecord` is built from one validated batch row. It holds no raw
//! payment-sensitive value: identity numbers, phone numbers and settlement
//! account numbers exist here only as a [`Protected`] pair of token and masked
//! form (SPEC §4). Names and addresses stay in clear (normalised) because
//! matching and human review need them.

use serde::{Deserialize, Serialize};

use crate::token::Token;

/// A payment-sensitive value as the hub keeps it: the keyed token used for
/// exact matching and the masked form shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Protected {
    /// `HMAC-SHA256(token key, "kind:normalised")`, hex.
    pub token: Token,
    /// Masked display form, e.g. `138****5678`.
    pub masked: String,
}

/// WGS-84 coordinates already checked to be finite and inside China's bounding box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coordinates {
    /// Latitude in decimal degrees.
    pub lat: f64,
    /// Longitude in decimal degrees.
    pub lng: f64,
}

/// Kind of identity document a legal representative presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// Mainland resident identity card (GB 11643), 18 characters after normalisation.
    ResidentId,
    /// Passport.
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents.
    HkMacaoPermit,
    /// Any other document.
    Other,
}

impl IdType {
    /// The wire name, as written in batches.
    pub fn as_str(self) -> &'static str {
        match self {
            IdType::ResidentId => "resident_id",
            IdType::Passport => "passport",
            IdType::HkMacaoPermit => "hk_macao_permit",
            IdType::Other => "other",
        }
    }
}

/// The legal representative (法定代表人) or responsible person of a merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegalRep {
    /// Normalised name, in clear.
    pub name: String,
    /// Document type.
    pub id_type: IdType,
    /// Document number, tokenised.
    pub id: Protected,
    /// Mobile phone, tokenised.
    pub phone: Option<Protected>,
}

/// Whether a settlement account is a bank card (Luhn-checked) or a corporate account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A personal bank card (借记卡): digits with a Luhn check digit.
    Card,
    /// A corporate account (对公账户): bank-specific digits, no check digit.
    Corporate,
}

impl AccountKind {
    /// The wire name, as written in batches.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Card => "card",
            AccountKind::Corporate => "corporate",
        }
    }
}

/// Where the merchant's money is settled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettlementAccount {
    /// Account number, tokenised.
    pub number: Protected,
    /// Account holder's name, normalised, in clear.
    pub name: String,
    /// Bank name, normalised.
    pub bank: Option<String>,
    /// Card or corporate account.
    pub kind: AccountKind,
}

/// One POS terminal bound to the merchant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Terminal {
    /// The acquirer's terminal number (ISO 8583 field 41).
    pub terminal_id: String,
    /// Normalised serial number (upper case, no separators, no `SN` prefix).
    pub sn: Option<String>,
    /// Manufacturer.
    pub vendor: Option<String>,
    /// Model.
    pub model: Option<String>,
    /// Where the terminal is installed.
    pub location: Option<Coordinates>,
}

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhotoKind {
    /// The shop front with its sign (门头照).
    Storefront,
    /// Inside the premises (经营场所照).
    Interior,
    /// Business licence (营业执照).
    License,
    /// Front of the identity card.
    IdFront,
    /// Back of the identity card.
    IdBack,
}

impl PhotoKind {
    /// The wire name, as written in batches.
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoKind::Storefront => "storefront",
            PhotoKind::Interior => "interior",
            PhotoKind::License => "license",
            PhotoKind::IdFront => "id_front",
            PhotoKind::IdBack => "id_back",
        }
    }
}

/// A photo attached to a merchant, stored once by content hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoRef {
    /// What the photo shows.
    pub kind: PhotoKind,
    /// SHA-256 of the photo bytes, hex; the name of the stored file.
    pub sha256: String,
    /// Where the photo was taken, from its EXIF GPS tags (WGS-84).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gps: Option<Coordinates>,
    /// When, from its EXIF `DateTimeOriginal` (`YYYY-MM-DDTHH:MM:SS`, the
    /// camera's local time: EXIF 2.2 carries no zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taken_at: Option<String>,
}

/// Whether the acquirer still serves the merchant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum MerchantStatus {
    /// Trading.
    Active,
    /// The acquirer ended the relationship.
    Terminated {
        /// Why, in the acquirer's words.
        reason: Option<String>,
        /// When (ISO-8601 date).
        at: Option<String>,
    },
}

/// One merchant as the hub keeps it after validation, normalisation and tokenisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MerchantRecord {
    /// The acquirer's merchant number; unique per acquirer.
    pub merchant_id: String,
    /// Registered name, normalised (display form).
    pub name: String,
    /// Unified social credit code, normalised; absent for micro merchants.
    pub uscc: Option<String>,
    /// ISO 18245 merchant category code, 4 digits.
    pub mcc: String,
    /// Business address, normalised.
    pub address: String,
    /// 6-digit administrative division code, declared or derived.
    pub region_code: Option<String>,
    /// GPS of the premises (WGS-84).
    pub location: Option<Coordinates>,
    /// The legal representative.
    pub legal_rep: LegalRep,
    /// Contact phone, tokenised.
    pub contact_phone: Option<Protected>,
    /// Settlement account.
    pub settlement_account: SettlementAccount,
    /// Terminals bound to this merchant.
    pub terminals: Vec<Terminal>,
    /// Photos, by content hash.
    pub photos: Vec<PhotoRef>,
    /// Date the acquirer signed the merchant (ISO-8601).
    pub onboarded_at: Option<String>,
    /// Trading or terminated.
    #[serde(flatten)]
    pub status: MerchantStatus,
}

impl MerchantRecord {
    /// Re-tokenise the record after a token-key rotation: each token is
    /// wrapped by `key`'s newest generation ([`crate::TokenKey::rewrap`]),
    /// so the record equals the one `key` would make from the raw values.
    pub fn rewrap_tokens(&mut self, key: &crate::TokenKey) {
        let protected = [
            Some(&mut self.legal_rep.id),
            self.legal_rep.phone.as_mut(),
            self.contact_phone.as_mut(),
            Some(&mut self.settlement_account.number),
        ];
        for value in protected.into_iter().flatten() {
            value.token = key.rewrap(&value.token);
        }
    }
}
