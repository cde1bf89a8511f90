//! Terminal numbers (ISO 8583 field 41, KYC.md §1.5).

use std::fmt;

use serde::Serialize;

use crate::normalise;

/// Why a terminal number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalIdError {
    /// Not 1–16 letters and digits.
    #[error("terminal ID must be 1-16 letters and digits")]
    Format,
}

impl TerminalIdError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TerminalIdError::Format => "terminal_id_format",
        }
    }
}

/// An acquirer's terminal number, upper-case.
///
/// The UnionPay network uses exactly 8 characters (field 41, `ans 8`), but the
/// API edge accepts 1–16 because acquirers' internal numbers differ; the
/// strict form is [`TerminalId::is_unionpay_form`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TerminalId(String);

impl TerminalId {
    /// Parses a terminal number: text-normalised, upper-cased, 1–16 ASCII
    /// letters and digits.
    pub fn parse(raw: &str) -> Result<Self, TerminalIdError> {
        let s = normalise::text(raw).to_ascii_uppercase();
        if (1..=16).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(TerminalId(s))
        } else {
            Err(TerminalIdError::Format)
        }
    }

    /// The terminal number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The terminal number, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether it has the network's 8-character form.
    pub fn is_unionpay_form(&self) -> bool {
        self.0.len() == 8
    }
}

impl fmt::Display for TerminalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_numbers_are_trimmed_folded_and_upper_cased() {
        let id = TerminalId::parse(" ｔ１２３４５６７ ").unwrap();
        assert_eq!(id.as_str(), "T1234567");
        assert!(id.is_unionpay_form());
        assert!(!TerminalId::parse("1").unwrap().is_unionpay_form());
    }

    #[test]
    fn empty_long_or_punctuated_numbers_are_rejected() {
        for bad in ["", "   ", &"1".repeat(17), "1234-5678", "1234 5678"] {
            assert_eq!(
                TerminalId::parse(bad).unwrap_err().code(),
                "terminal_id_format",
                "{bad}"
            );
        }
    }
}
