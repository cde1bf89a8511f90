//! Merchant numbers (ISO 8583 field 42, KYC.md §1.5).

use std::fmt;

use serde::Serialize;

use crate::normalise;

/// Why a merchant number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MerchantIdError {
    /// Not 1–32 characters of letters, digits, `_` and `-`.
    #[error("merchant ID must be 1-32 letters, digits, '_' or '-'")]
    Format,
}

impl MerchantIdError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            MerchantIdError::Format => "merchant_id_format",
        }
    }
}

/// An acquirer's merchant number, upper-case.
///
/// The network form is exactly 15 characters (`AAA RRRR MMMM SSSS`), but the
/// API edge is length-tolerant (1–32, with `_` and `-`) because some banks
/// issue shorter internal numbers and acquirers key batches by them; the
/// strict form is [`MerchantId::is_unionpay_form`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MerchantId(String);

impl MerchantId {
    /// Parses a merchant number: text-normalised, upper-cased, 1–32 of
    /// `[0-9A-Z_-]`.
    pub fn parse(raw: &str) -> Result<Self, MerchantIdError> {
        let s = normalise::text(raw).to_ascii_uppercase();
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        if (1..=32).contains(&s.len()) && s.bytes().all(allowed) {
            Ok(MerchantId(s))
        } else {
            Err(MerchantIdError::Format)
        }
    }

    /// The merchant number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The merchant number, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether it has the network's 15-character alphanumeric form.
    pub fn is_unionpay_form(&self) -> bool {
        self.0.len() == 15 && self.0.bytes().all(|b| b.is_ascii_alphanumeric())
    }

    /// Positions 8–11 of a network-form number, where acquirers embed the
    /// MCC. For a warning when it differs from the declared MCC (跳码 shows
    /// up this way); never a reason to reject, as the layout is convention.
    pub fn embedded_mcc(&self) -> Option<&str> {
        let mcc = self.0.get(7..11)?;
        (self.is_unionpay_form() && mcc.bytes().all(|b| b.is_ascii_digit())).then_some(mcc)
    }
}

impl fmt::Display for MerchantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_merchant_number_exposes_its_mcc() {
        let id = MerchantId::parse(" 898210154110002 ").unwrap();
        assert!(id.is_unionpay_form());
        assert_eq!(id.embedded_mcc(), Some("5411"));
    }

    #[test]
    fn internal_numbers_are_accepted_at_the_edge() {
        let id = MerchantId::parse("acq01-m_0001").unwrap();
        assert_eq!(id.as_str(), "ACQ01-M_0001");
        assert!(!id.is_unionpay_form());
        assert_eq!(id.embedded_mcc(), None);
    }

    #[test]
    fn empty_long_or_punctuated_numbers_are_rejected() {
        for bad in ["", " ", &"1".repeat(33), "M 001", "M/001", "商户001"] {
            assert_eq!(
                MerchantId::parse(bad).unwrap_err().code(),
                "merchant_id_format",
                "{bad}"
            );
        }
    }
}
