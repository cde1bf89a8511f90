//! Merchant category codes (ISO 18245, UnionPay Q/CUP 004).
//!
//! The tables are embedded at compile time: the hub must not depend on files
//! outside its own data directory at run time, and the lists change rarely
//! enough that a release is the right way to update them.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

use crate::csv;
use crate::normalise;

/// Why a merchant category code was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MccError {
    /// Not exactly 4 digits.
    #[error("MCC must be exactly 4 digits")]
    Format,
    /// Four digits, but not a code ISO 18245 or UnionPay assigns.
    #[error("MCC {0} is not an ISO 18245 or UnionPay code")]
    Unknown(String),
}

impl MccError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            MccError::Format => "mcc_format",
            MccError::Unknown(_) => "mcc_unknown",
        }
    }
}

/// One row of `mcc.csv`: the hub's Chinese name and default risk tier.
struct ChinaEntry {
    name_zh: String,
    risk: String,
}

/// The three tables, parsed once.
struct Tables {
    /// ISO 18245 individual codes → English description.
    iso: HashMap<u16, String>,
    /// ISO 18245 assigned ranges (inclusive) with their description.
    ranges: Vec<(u16, u16, String)>,
    /// The hub's table, including the China-specific codes.
    china: HashMap<u16, ChinaEntry>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let code = |s: &str| -> u16 {
        s.parse()
            .unwrap_or_else(|_| panic!("embedded MCC table holds a bad code {s:?}"))
    };
    let iso = csv::records(include_str!("../data/iso18245_mcc.csv"))
        .into_iter()
        .map(|r| (code(&r[0]), r[1].clone()))
        .collect();
    let ranges = csv::records(include_str!("../data/iso18245_ranges.csv"))
        .into_iter()
        .map(|r| (code(&r[0]), code(&r[1]), r[2].clone()))
        .collect();
    let china = csv::records(include_str!("../data/mcc.csv"))
        .into_iter()
        .map(|r| {
            let entry = ChinaEntry {
                name_zh: r[1].clone(),
                risk: r[3].clone(),
            };
            (code(&r[0]), entry)
        })
        .collect();
    Tables { iso, ranges, china }
});

/// A merchant category code that ISO 18245 or UnionPay assigns.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mcc {
    /// The code as a number; printed with 4 digits (`0742`).
    code: u16,
    /// The 4 ASCII digits, kept so [`Mcc::as_str`] can borrow.
    text: [u8; 4],
}

impl Mcc {
    /// Parses a 4-digit code and checks that it exists.
    ///
    /// A code exists if ISO 18245 lists it individually, if it lies in a range
    /// the standard assigns, or if UnionPay assigns it (`mcc.csv`'s
    /// China-specific codes such as 5398). Of the ranges, `Reserved` and
    /// `Reserved for ISO use` are refused, but `Reserved for private use`
    /// (3000–3999) is accepted: that is where the card schemes put their
    /// airline, car-rental and hotel codes, and acquirers use them.
    pub fn parse(raw: &str) -> Result<Self, MccError> {
        let s = normalise::text(raw);
        let text: [u8; 4] = s.as_bytes().try_into().map_err(|_| MccError::Format)?;
        if !text.iter().all(u8::is_ascii_digit) {
            return Err(MccError::Format);
        }
        let code = text.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        if !exists(code) {
            return Err(MccError::Unknown(s));
        }
        Ok(Mcc { code, text })
    }

    /// The 4 digits, leading zero kept.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).expect("an MCC is ASCII digits")
    }

    /// The code as a number.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The Chinese name from the hub's table, if it has one.
    pub fn name_zh(&self) -> Option<&'static str> {
        TABLES.china.get(&self.code).map(|e| e.name_zh.as_str())
    }

    /// The hub's default risk tier (`low`, `medium`, `high`, `prohibited`), if
    /// the code is in its table. A suggestion to tune per acquirer, not a
    /// regulatory classification.
    pub fn risk(&self) -> Option<&'static str> {
        TABLES.china.get(&self.code).map(|e| e.risk.as_str())
    }

    /// The ISO 18245 English description, for individually listed codes.
    pub fn description_en(&self) -> Option<&'static str> {
        TABLES.iso.get(&self.code).map(String::as_str)
    }
}

fn exists(code: u16) -> bool {
    let t = &*TABLES;
    t.iso.contains_key(&code)
        || t.china.contains_key(&code)
        || t.ranges.iter().any(|(start, end, description)| {
            (*start..=*end).contains(&code)
                && description != "Reserved"
                && description != "Reserved for ISO use"
        })
}

impl fmt::Debug for Mcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Mcc").field(&self.as_str()).finish()
    }
}

impl fmt::Display for Mcc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Mcc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_load_completely() {
        assert_eq!(TABLES.iso.len(), 280);
        assert_eq!(TABLES.ranges.len(), 18);
        assert_eq!(TABLES.china.len(), 54);
    }

    #[test]
    fn a_listed_code_has_its_names_and_risk() {
        let mcc = Mcc::parse("5411").unwrap();
        assert_eq!(mcc.as_str(), "5411");
        assert_eq!(mcc.name_zh(), Some("大型仓储式超级市场"));
        assert_eq!(mcc.risk(), Some("low"));
        assert_eq!(Mcc::parse("7995").unwrap().risk(), Some("prohibited"));
    }

    #[test]
    fn a_leading_zero_is_kept() {
        let mcc = Mcc::parse("0742").unwrap();
        assert_eq!(mcc.to_string(), "0742");
        assert_eq!(mcc.code(), 742);
        assert_eq!(mcc.name_zh(), Some("兽医服务"));
    }

    #[test]
    fn quoted_names_are_read_whole() {
        let mcc = Mcc::parse("4111").unwrap();
        assert_eq!(
            mcc.description_en(),
            Some("Local and suburban commuter passenger transportation, including ferries")
        );
    }

    #[test]
    fn china_specific_codes_are_accepted() {
        for code in ["4458", "5398", "7013"] {
            assert!(Mcc::parse(code).unwrap().name_zh().is_some(), "{code}");
        }
    }

    #[test]
    fn codes_in_assigned_ranges_and_scheme_ranges_are_accepted() {
        // 3001: an airline code from the schemes' private range; 5555 lies in
        // the retail range without being listed individually.
        for code in ["3001", "5555", "9402"] {
            let mcc = Mcc::parse(code).unwrap();
            assert_eq!(mcc.name_zh(), None, "{code}");
        }
    }

    #[test]
    fn reserved_codes_are_unknown() {
        for code in ["0000", "0500", "1200", "9100"] {
            assert_eq!(
                Mcc::parse(code).unwrap_err().code(),
                "mcc_unknown",
                "{code}"
            );
        }
    }

    #[test]
    fn anything_but_four_digits_is_a_format_error() {
        for bad in ["541", "54111", "54a1", "", "５４１１x"] {
            assert_eq!(Mcc::parse(bad).unwrap_err().code(), "mcc_format", "{bad}");
        }
        assert_eq!(Mcc::parse(" ５４１１ ").unwrap().as_str(), "5411");
    }
}
