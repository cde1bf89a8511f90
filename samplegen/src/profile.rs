//! Acquirers' data-quality profiles and the rendering of a merchant into a row.
//!
//! Acquirers cycle through three profiles: `clean` (ACQ01, ACQ04, …),
//! `messy` (ACQ02, ACQ05, …; written as CSV) and `legacy` (ACQ03, ACQ06, …).
//! A profile is a set of probabilities; planted cases can force a rendering
//! through [`crate::merchant::Forced`] where the case depends on it.

use crate::address::{AddressStyle, Numerals};
use crate::merchant::{AccountKind, Document, IdStyle, Merchant, Person, SnStyle, Status};
use crate::rng::{self, Rng};
use crate::row::{AccountRow, Coordinate, LegalRepRow, PhotoRow, Row, TerminalRow};
use crate::text;

/// How a batch is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// `merchants.jsonl`
    Jsonl,
    /// `merchants.csv` + `terminals.csv`
    Csv,
}

/// How one acquirer's systems write data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Profile {
    pub(crate) name: &'static str,
    pub(crate) format: Format,
    /// Digits in addresses, phones and IDs written full-width.
    full_width: f64,
    /// Phones written `+86 138-0013-8000`, `0086 …` or in groups.
    formatted_phone: f64,
    /// Names and addresses in traditional characters.
    traditional: f64,
    /// Addresses without the province.
    no_province: f64,
    /// 15-digit IDs, for people born before 1986.
    legacy_id: f64,
    /// `x` instead of `X`.
    lower_x: f64,
    /// SNs in lower case with separators and an `SN:` prefix.
    messy_sn: f64,
    /// `region_code` written.
    region_code: f64,
    /// GPS written.
    gps: f64,
    /// `status` written for active merchants.
    status: f64,
    /// Card numbers in groups of four.
    spaced_account: f64,
    /// An extra `branch_code` field.
    branch_code: f64,
    /// `kind` written for cards (always for corporate accounts).
    card_kind: f64,
}

const CLEAN: Profile = Profile {
    name: "clean",
    format: Format::Jsonl,
    full_width: 0.0,
    formatted_phone: 0.0,
    traditional: 0.0,
    no_province: 0.0,
    legacy_id: 0.0,
    lower_x: 0.0,
    messy_sn: 0.0,
    region_code: 1.0,
    gps: 0.95,
    status: 1.0,
    spaced_account: 0.0,
    branch_code: 0.0,
    card_kind: 1.0,
};

const MESSY: Profile = Profile {
    name: "messy",
    format: Format::Csv,
    full_width: 0.25,
    formatted_phone: 0.6,
    traditional: 0.15,
    no_province: 0.5,
    legacy_id: 0.0,
    lower_x: 0.2,
    messy_sn: 0.15,
    region_code: 0.9,
    gps: 0.85,
    status: 0.8,
    spaced_account: 0.2,
    branch_code: 0.0,
    card_kind: 1.0,
};

const LEGACY: Profile = Profile {
    name: "legacy",
    format: Format::Jsonl,
    full_width: 0.05,
    formatted_phone: 0.2,
    traditional: 0.0,
    no_province: 0.0,
    legacy_id: 0.5,
    lower_x: 0.8,
    messy_sn: 0.8,
    region_code: 0.0,
    gps: 0.3,
    status: 0.2,
    spaced_account: 0.0,
    branch_code: 0.7,
    card_kind: 0.6,
};

impl Profile {
    /// The profile of acquirer `index` (0-based).
    pub(crate) fn of(index: usize) -> Profile {
        [CLEAN, MESSY, LEGACY][index % 3]
    }

    /// Writes `m` down the way this acquirer would. `photo_files` are the
    /// batch-relative paths of `m.photos`, in order.
    pub(crate) fn render(&self, rng: &mut Rng, m: &Merchant, photo_files: &[String]) -> Row {
        let full_width = rng::chance(rng, self.full_width);
        let traditional = m
            .forced
            .name_traditional
            .unwrap_or_else(|| rng::chance(rng, self.traditional));
        let address_style = m.forced.address.unwrap_or(AddressStyle {
            province: !rng::chance(rng, self.no_province),
            numerals: if full_width {
                Numerals::FullWidth
            } else {
                Numerals::Arabic
            },
            traditional,
        });
        let gps = (m.forced.gps || rng::chance(rng, self.gps)).then(|| m.gps.rounded());
        let fold = |s: &str| {
            if traditional {
                text::traditional(s)
            } else {
                s.to_owned()
            }
        };
        let legal_rep = LegalRepRow {
            name: fold(&m.legal_rep.name),
            id_type: m.legal_rep.document.id_type().to_owned(),
            id_number: self.id_number(rng, &m.legal_rep, m.forced.id_style, full_width),
            phone: Some(self.phone(rng, &m.legal_rep.phone, full_width)),
        };
        let account = &m.account;
        let number = if account.kind == AccountKind::Card && rng::chance(rng, self.spaced_account) {
            grouped(&account.number, ' ')
        } else {
            account.number.clone()
        };
        let kind = (account.kind == AccountKind::Corporate || rng::chance(rng, self.card_kind))
            .then(|| account.kind.as_str().to_owned());
        let (status, termination_reason, terminated_at) = match &m.status {
            Status::Active => (
                rng::chance(rng, self.status).then(|| "active".to_owned()),
                None,
                None,
            ),
            Status::Terminated { reason, at } => (
                Some("terminated".to_owned()),
                Some(reason.clone()),
                Some(at.to_string()),
            ),
        };
        Row {
            merchant_id: m.merchant_id.clone(),
            name: Some(fold(&m.name)),
            uscc: m.uscc.clone(),
            mcc: Some(m.mcc.to_owned()),
            address: Some(m.address.render(address_style)),
            region_code: rng::chance(rng, self.region_code)
                .then(|| m.address.place.code().to_owned()),
            lat: gps.map(|p| Coordinate::Number(p.lat)),
            lng: gps.map(|p| Coordinate::Number(p.lng)),
            legal_rep,
            contact_phone: m.contact_phone.as_ref().map(|p| self.phone(rng, p, false)),
            settlement_account: AccountRow {
                number,
                name: fold(&account.name),
                bank: Some(account.bank.clone()),
                kind,
            },
            terminals: m
                .terminals
                .iter()
                .map(|t| {
                    let style = t.sn_style.unwrap_or_else(|| self.sn_style(rng));
                    let at = t.location.map(|p| p.rounded());
                    TerminalRow {
                        terminal_id: t.terminal_id.clone(),
                        sn: render_sn(rng, &t.sn, style),
                        vendor: t.vendor.to_owned(),
                        model: t.model.to_owned(),
                        lat: at.map(|p| p.lat),
                        lng: at.map(|p| p.lng),
                    }
                })
                .collect(),
            photos: m
                .photos
                .iter()
                .zip(photo_files)
                .map(|(p, file)| PhotoRow {
                    kind: p.kind.as_str().to_owned(),
                    file: file.clone(),
                })
                .collect(),
            onboarded_at: Some(m.onboarded_at.to_string()),
            status,
            termination_reason,
            terminated_at,
            branch_code: rng::chance(rng, self.branch_code).then(|| {
                format!(
                    "{}{:02}",
                    &m.address.place.code()[..4],
                    rng::between(rng, 1, 40)
                )
            }),
        }
    }

    fn id_number(
        &self,
        rng: &mut Rng,
        person: &Person,
        forced: Option<IdStyle>,
        full_width: bool,
    ) -> String {
        let Document::Resident(id) = &person.document else {
            return person.document.number().to_owned();
        };
        let style = forced.unwrap_or_else(|| {
            if id.birth.year() < 1986 && rng::chance(rng, self.legacy_id) {
                IdStyle::Legacy
            } else if id.ends_in_x() && rng::chance(rng, self.lower_x) {
                IdStyle::LowerX
            } else if full_width {
                IdStyle::FullWidth
            } else {
                IdStyle::Canonical
            }
        });
        render_id(&id.number, id.legacy().as_deref(), style)
    }

    fn phone(&self, rng: &mut Rng, phone: &str, full_width: bool) -> String {
        if full_width {
            return text::full_width_digits(phone);
        }
        if !rng::chance(rng, self.formatted_phone) {
            return phone.to_owned();
        }
        let (a, b, c) = (&phone[..3], &phone[3..7], &phone[7..]);
        match rng::between(rng, 0, 3) {
            0 => format!("+86 {a}-{b}-{c}"),
            1 => format!("0086 {phone}"),
            2 => format!("{a} {b} {c}"),
            _ => format!("+86{phone}"),
        }
    }

    fn sn_style(&self, rng: &mut Rng) -> SnStyle {
        if !rng::chance(rng, self.messy_sn) {
            return SnStyle::default();
        }
        SnStyle {
            lower: rng::chance(rng, 0.7),
            separator: match rng::between(rng, 0, 2) {
                0 => None,
                1 => Some('-'),
                _ => Some(' '),
            },
            prefix: rng::chance(rng, 0.5),
            slips: false,
        }
    }
}

/// A resident ID written in `style`; the legacy form falls back to canonical
/// for people born too late to have held one, `x` to canonical without an `X`.
pub(crate) fn render_id(number: &str, legacy: Option<&str>, style: IdStyle) -> String {
    match style {
        IdStyle::Canonical => number.to_owned(),
        IdStyle::Legacy => legacy.unwrap_or(number).to_owned(),
        IdStyle::LowerX => number.to_ascii_lowercase(),
        IdStyle::FullWidth => text::full_width(number),
    }
}

/// A serial written in `style`. Slips replace up to two `0`/`1` after the
/// 4-character model prefix with `O`/`I`.
pub(crate) fn render_sn(rng: &mut Rng, sn: &str, style: SnStyle) -> String {
    let mut chars: Vec<char> = sn.chars().collect();
    if style.slips {
        let candidates: Vec<usize> = (4..chars.len())
            .filter(|&i| matches!(chars[i], '0' | '1'))
            .collect();
        let first = candidates
            .len()
            .saturating_sub(1)
            .min(rng::between(rng, 0, 3) as usize);
        for &i in candidates.iter().skip(first).step_by(2).take(2) {
            chars[i] = if chars[i] == '0' { 'O' } else { 'I' };
        }
    }
    let mut s: String = chars.into_iter().collect();
    if style.lower {
        s = s.to_ascii_lowercase();
    }
    if let Some(sep) = style.separator {
        s = grouped(&s, sep);
    }
    if style.prefix {
        s = format!("{}{s}", if style.lower { "sn:" } else { "SN:" });
    }
    s
}

/// `s` in groups of four joined by `sep`.
fn grouped(s: &str, sep: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(&sep.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sn_style_parses_back_to_the_serial_or_its_match_key() {
        let mut rng = rng::stream(2, 2, 2);
        let sn = "NL5A2301200345";
        let canonical = matcher::TerminalSn::parse(sn).unwrap();
        for lower in [false, true] {
            for separator in [None, Some('-'), Some(' ')] {
                for prefix in [false, true] {
                    for slips in [false, true] {
                        let style = SnStyle {
                            lower,
                            separator,
                            prefix,
                            slips,
                        };
                        let written = render_sn(&mut rng, sn, style);
                        let parsed = matcher::TerminalSn::parse(&written).unwrap();
                        assert_eq!(parsed.match_key(), canonical.match_key(), "{written}");
                        if slips {
                            assert_ne!(parsed, canonical, "{written}");
                        } else {
                            assert_eq!(parsed, canonical, "{written}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn id_styles_differ_in_writing_only() {
        let id = "11010519491231002X";
        assert_eq!(
            render_id(id, Some("110105491231002"), IdStyle::Legacy),
            "110105491231002"
        );
        assert_eq!(render_id(id, None, IdStyle::LowerX), "11010519491231002x");
        assert_eq!(
            render_id(id, None, IdStyle::FullWidth),
            "１１０１０５１９４９１２３１００２Ｘ"
        );
    }
}
