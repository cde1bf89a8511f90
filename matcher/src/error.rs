//! The crate error: every module's error in one enum, for callers that
//! validate a whole record and want one `?`.

/// Any validation error of this crate.
///
/// Each module keeps its own precise enum; this one only gathers them, and
/// [`Error::code`] passes the module's stable code through unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Resident identity number.
    #[error(transparent)]
    ResidentId(#[from] crate::ResidentIdError),
    /// Passport or other document number.
    #[error(transparent)]
    DocumentNumber(#[from] crate::DocumentNumberError),
    /// Unified social credit code.
    #[error(transparent)]
    Uscc(#[from] crate::UsccError),
    /// Mobile phone.
    #[error(transparent)]
    Phone(#[from] crate::PhoneError),
    /// Settlement account.
    #[error(transparent)]
    Account(#[from] crate::AccountError),
    /// Terminal serial number.
    #[error(transparent)]
    TerminalSn(#[from] crate::TerminalSnError),
    /// Terminal number.
    #[error(transparent)]
    TerminalId(#[from] crate::TerminalIdError),
    /// Merchant number.
    #[error(transparent)]
    MerchantId(#[from] crate::MerchantIdError),
    /// Merchant category code.
    #[error(transparent)]
    Mcc(#[from] crate::MccError),
    /// Administrative division code.
    #[error(transparent)]
    RegionCode(#[from] crate::RegionCodeError),
    /// Coordinates.
    #[error(transparent)]
    Coordinates(#[from] crate::CoordinatesError),
    /// Token or token key.
    #[error(transparent)]
    Token(#[from] crate::TokenError),
}

impl Error {
    /// The stable machine-readable code of the underlying error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ResidentId(e) => e.code(),
            Error::DocumentNumber(e) => e.code(),
            Error::Uscc(e) => e.code(),
            Error::Phone(e) => e.code(),
            Error::Account(e) => e.code(),
            Error::TerminalSn(e) => e.code(),
            Error::TerminalId(e) => e.code(),
            Error::MerchantId(e) => e.code(),
            Error::Mcc(e) => e.code(),
            Error::RegionCode(e) => e.code(),
            Error::Coordinates(e) => e.code(),
            Error::Token(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crate_error_passes_the_module_code_through() {
        let e: Error = crate::MobilePhone::parse("123").unwrap_err().into();
        assert_eq!(e.code(), "phone_format");
        let e: Error = crate::Mcc::parse("0000").unwrap_err().into();
        assert_eq!(e.code(), "mcc_unknown");
    }
}
