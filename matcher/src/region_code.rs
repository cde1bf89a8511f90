//! Declared administrative division codes.

use std::fmt;

use crate::gazetteer::{Division, Gazetteer};
use crate::normalise;

/// Why a region code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Not exactly 6 digits.
    #[error("region code must be 6 digits")]
    Format,
    /// Six digits, but not a current division in the gazetteer.
    #[error("region code {0} is not in the administrative division list")]
    Unknown(String),
}

impl RegionCodeError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            RegionCodeError::Format => "region_code_format",
            RegionCodeError::Unknown(_) => "region_code_unknown",
        }
    }
}

/// A 6-digit administrative division code that exists in the [`Gazetteer`].
///
/// Unlike the region part of an identity number, a merchant's declared region
/// must be a current division: it is where the merchant trades today.
#[derive(Clone, Copy)]
pub struct RegionCode(&'static Division);

impl RegionCode {
    /// Parses a 6-digit code (surrounding whitespace and full-width digits
    /// allowed) and looks it up.
    pub fn parse(raw: &str) -> Result<Self, RegionCodeError> {
        let s = normalise::text(raw);
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Format);
        }
        Gazetteer::get()
            .division(&s)
            .map(RegionCode)
            .ok_or(RegionCodeError::Unknown(s))
    }

    /// The 6 digits.
    pub fn as_str(&self) -> &'static str {
        &self.0.code
    }

    /// The division it names.
    pub fn division(&self) -> &'static Division {
        self.0
    }
}

impl PartialEq for RegionCode {
    fn eq(&self, other: &Self) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for RegionCode {}

impl std::hash::Hash for RegionCode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.code.hash(state);
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RegionCode").field(&self.0.code).finish()
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DivisionLevel;

    #[test]
    fn an_existing_code_parses_to_its_division() {
        let code = RegionCode::parse(" ４４０３０５ ").unwrap();
        assert_eq!(code.as_str(), "440305");
        assert_eq!(code.division().level, DivisionLevel::District);
        assert_eq!(code.division().name(), "南山区");
    }

    #[test]
    fn malformed_and_unknown_codes_are_rejected() {
        for bad in ["44030", "4403055", "44030a", ""] {
            assert_eq!(
                RegionCode::parse(bad).unwrap_err().code(),
                "region_code_format"
            );
        }
        assert_eq!(
            RegionCode::parse("449999").unwrap_err().code(),
            "region_code_unknown"
        );
    }
}
