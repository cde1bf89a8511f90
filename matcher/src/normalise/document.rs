//! Passport, Hong Kong/Macao permit and other document numbers.
//!
//! No single format covers them (passports of every country, old and new
//! permits), so only the shape is checked; the number is folded to one
//! canonical form so the same document always gives the same token.

/// Why a document number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentNumberError {
    /// Not 5–20 letters and digits after removing spaces and hyphens.
    #[error("document number must be 5-20 letters and digits")]
    Format,
}

impl DocumentNumberError {
    /// Stable machine-readable code; shared with resident IDs because both
    /// are the `id_number` field.
    pub fn code(&self) -> &'static str {
        match self {
            DocumentNumberError::Format => "id_format",
        }
    }
}

/// Text-normalises, upper-cases and strips spaces and hyphens; the result is
/// 5–20 ASCII letters and digits.
pub fn document_number(raw: &str) -> Result<String, DocumentNumberError> {
    let s = super::compact(raw, |c| c == '-').to_ascii_uppercase();
    if (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(DocumentNumberError::Format)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport_and_permit_numbers_are_folded_to_upper_case_without_separators() {
        assert_eq!(document_number(" e1234 5678 ").unwrap(), "E12345678");
        assert_eq!(document_number("Ｈ１２３-４５６７８").unwrap(), "H12345678");
    }

    #[test]
    fn too_short_too_long_or_non_alphanumeric_numbers_are_rejected() {
        for bad in ["E123", &"A".repeat(21), "E1234/5678", "护照12345", ""] {
            let err = document_number(bad).unwrap_err();
            assert_eq!(err.code(), "id_format", "{bad}");
        }
    }
}
