//! POS terminal serial numbers (KYC.md §1.6).

use std::fmt;

use serde::Serialize;

use crate::normalise;

/// Why a terminal serial number was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalSnError {
    /// Not 4–40 letters and digits after removing separators and an `SN` prefix.
    #[error(
        "terminal SN must be 4-40 letters and digits after removing separators and an SN prefix"
    )]
    Format,
}

impl TerminalSnError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TerminalSnError::Format => "sn_format",
        }
    }
}

/// A terminal serial number in canonical form: upper-case ASCII letters and
/// digits, no separators, no `SN` prefix.
///
/// No universal format exists (each manufacturer has its own), so only the
/// shape is checked. The canonical form is what the record stores and shows;
/// matching uses [`TerminalSn::match_key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TerminalSn(String);

impl TerminalSn {
    /// Parses a serial as written on a label or typed by an agent.
    ///
    /// Upper-cases, removes `-`, `_`, `.`, `/`, `:` and spaces, then removes a
    /// leading `SN` (which is also what `S/N` and `SN:` become). The prefix is
    /// removed repeatedly so the result is a fixed point: parsing a stored SN
    /// again gives the same SN, which the index relies on. The cost is that a
    /// manufacturer serial that really begins with `SN` loses it, on every
    /// side alike, so matches are unaffected.
    pub fn parse(raw: &str) -> Result<Self, TerminalSnError> {
        let s = normalise::compact(raw, |c| matches!(c, '-' | '_' | '.' | '/' | ':'))
            .to_ascii_uppercase();
        let mut sn = s.as_str();
        while let Some(rest) = sn.strip_prefix("SN") {
            sn = rest;
        }
        if (4..=40).contains(&sn.len()) && sn.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(TerminalSn(sn.to_owned()))
        } else {
            Err(TerminalSnError::Format)
        }
    }

    /// The canonical serial.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The canonical serial, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The key terminals are matched on: the canonical serial with `O` read
    /// as `0` and `I` as `1`.
    ///
    /// Those two pairs are near-identical on printed labels and are the slips
    /// people make when typing an SN (SPEC §12 requires catching them).
    /// Nothing else is folded: L/1, S/5, B/8, Z/2 and G/6 are distinct in
    /// every common label font, and manufacturers do use those letters in
    /// serials, so folding them would merge different terminals and raise
    /// false one-terminal-many-merchants alerts, where precision must be 1.
    pub fn match_key(&self) -> String {
        self.0
            .chars()
            .map(|c| match c {
                'O' => '0',
                'I' => '1',
                c => c,
            })
            .collect()
    }
}

impl fmt::Display for TerminalSn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn separators_case_and_sn_prefixes_are_removed() {
        for raw in [
            "00001234abcd",
            "SN00001234ABCD",
            "S/N: 0000-1234-ABCD",
            "sn:0000_1234.abcd",
            "S/N 0000/1234 ABCD",
            "ＳＮ００００１２３４ＡＢＣＤ",
        ] {
            assert_eq!(
                TerminalSn::parse(raw).unwrap().as_str(),
                "00001234ABCD",
                "{raw}"
            );
        }
    }

    #[test]
    fn match_key_folds_o_and_i_only() {
        let sn = TerminalSn::parse("P0IO-LSBZ-1O0").unwrap();
        assert_eq!(sn.as_str(), "P0IOLSBZ1O0");
        assert_eq!(sn.match_key(), "P010LSBZ100");
        assert_eq!(
            TerminalSn::parse("N86O0O12").unwrap().match_key(),
            TerminalSn::parse("N8600012").unwrap().match_key()
        );
    }

    #[test]
    fn short_long_and_non_alphanumeric_serials_are_rejected() {
        for bad in ["SN12", "abc", &"A".repeat(41), "1234#5678", "终端1234", ""] {
            assert_eq!(
                TerminalSn::parse(bad).unwrap_err().code(),
                "sn_format",
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn parsing_a_parsed_serial_gives_it_back(raw in "(S/?N[: ]?)?[0-9A-Za-z]{2,6}([-_. /][0-9A-Za-z]{2,6}){1,4}") {
            if let Ok(sn) = TerminalSn::parse(&raw) {
                prop_assert_eq!(TerminalSn::parse(sn.as_str()).unwrap(), sn.clone());
                prop_assert_eq!(TerminalSn::parse(&sn.match_key()).unwrap().match_key(), sn.match_key());
            }
        }
    }
}
