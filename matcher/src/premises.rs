//! Premises: the part of an address that says which door, read from a
//! [`ParsedAddress`](crate::ParsedAddress) remainder (SPEC §5).
//!
//! Fuzzy matching asks "same premises, written differently?". After
//! normalisation (`十八号` → `18号`, full width → ASCII, traditional →
//! simplified) most variants already agree, so the hard part is not
//! similarity but *structure*: `华强北路18号` and `华强北路19号` differ by one
//! character and are different shops, while every unit of a mall shares the
//! street and the house number (`步步高广场3楼312号铺`,
//! `步步高广场2楼205号铺`) and belongs to an unrelated owner.
//!
//! The remainder is therefore read into numbered tokens: a run of ASCII
//! digits (optionally a leading letter, `B1`; `-` between digits, `18-2`)
//! followed by a measure word, or a lone letter before `座`/`栋`/`幢`/`区`
//! (`A座`). The measure word gives the token's [`UnitKind`]:
//!
//! | kind | words |
//! |---|---|
//! | house number | `号`, `号院` (the first one only) |
//! | building | `号楼`, `栋`, `幢`, `座` |
//! | entrance | `单元` |
//! | floor | `层`, `楼`, `F` |
//! | room | `室`, `号房`, `房`, `户` |
//! | shop unit | `号铺`, `号商铺`, `号铺面`, `号门面`, `号摊位`, `号档`, `号柜`, `号摊`, `商铺`, `铺面`, `门面`, `摊位`, `铺`, `档`, `柜`, `摊` |
//! | zone | `区` |
//! | sub-number | a bare `号` after the house number |
//!
//! Text before the first token is the *street*; other text after it (a mall
//! or building name, `旁`, `对面`) is kept for display only. A digit run that
//! no measure word follows (`318国道`) stays text.
//!
//! Two premises are the same ([`Premises::compare`]) when:
//!
//! 1. both have a house number and it is equal, and the streets are similar
//!    ([`STREET_MIN_SIMILARITY`], normalised Levenshtein on characters, or
//!    one street is a suffix of at least 3 characters of the other:
//!    `福田街道华强北路` / `华强北路`); or neither has a house number and the
//!    whole text without unit tokens is similar ([`TEXT_MIN_SIMILARITY`]);
//! 2. building tokens of a kind both sides carry are equal (`3栋` ≠ `4栋`);
//! 3. unit tokens (entrance, floor, room, shop unit, zone, sub-number) of a
//!    kind both sides carry are equal, and when both sides carry units they
//!    share at least one kind. This is the mall rule: one building, different
//!    `号铺` or `层`, is *not* the same premises.
//!
//! When only one side writes a unit, the match is at [`PremisesLevel::Building`]:
//! weaker, and weighted by how many merchants share the building.

use serde::Serialize;

/// Streets must be at least this similar (normalised Levenshtein on
/// characters, 0–1) when both addresses have a house number. One edit in a
/// five-character street passes (`0.8`); one in a four-character street
/// does not (`人民路` vs `人民中路` is `0.75`: different streets).
pub const STREET_MIN_SIMILARITY: f64 = 0.8;

/// Whole texts (without unit tokens) must be at least this similar when
/// neither address has a house number (`城南农贸市场`): without a number the
/// text is all there is, so the bar is higher.
pub const TEXT_MIN_SIMILARITY: f64 = 0.9;

/// A street that is the suffix of the other counts as the same street only
/// from this many characters on (`华强北路` in `福田街道华强北路`; never `北路`).
const SUFFIX_MIN_CHARS: usize = 3;

/// What a numbered token designates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// The house number on the street (`18号`).
    House,
    /// A building of a compound (`3号楼`, `A座`).
    Building,
    /// A stairwell entrance (`2单元`).
    Entrance,
    /// A floor (`3楼`, `B1层`, `3F`).
    Floor,
    /// A room or flat (`501室`).
    Room,
    /// A shop unit, stall or counter (`312号铺`, `12号摊位`).
    Shop,
    /// A zone of a market (`A区`).
    Zone,
    /// A further bare number after the house number (`18号312号`).
    Sub,
}

impl UnitKind {
    /// Whether the token names a part of a building (must agree when both
    /// sides have it, and decides [`PremisesLevel`]).
    pub fn is_unit(self) -> bool {
        !matches!(self, UnitKind::House | UnitKind::Building)
    }
}

/// Measure words, longest first where one is a prefix of another.
const MEASURE_WORDS: &[(&str, UnitKind)] = &[
    ("号商铺", UnitKind::Shop),
    ("号铺面", UnitKind::Shop),
    ("号门面", UnitKind::Shop),
    ("号摊位", UnitKind::Shop),
    ("号铺", UnitKind::Shop),
    ("号档", UnitKind::Shop),
    ("号柜", UnitKind::Shop),
    ("号摊", UnitKind::Shop),
    ("号楼", UnitKind::Building),
    ("号房", UnitKind::Room),
    ("号院", UnitKind::House),
    ("号", UnitKind::House),
    ("商铺", UnitKind::Shop),
    ("铺面", UnitKind::Shop),
    ("门面", UnitKind::Shop),
    ("摊位", UnitKind::Shop),
    ("单元", UnitKind::Entrance),
    ("栋", UnitKind::Building),
    ("幢", UnitKind::Building),
    ("座", UnitKind::Building),
    ("层", UnitKind::Floor),
    ("楼", UnitKind::Floor),
    ("F", UnitKind::Floor),
    ("室", UnitKind::Room),
    ("房", UnitKind::Room),
    ("户", UnitKind::Room),
    ("铺", UnitKind::Shop),
    ("档", UnitKind::Shop),
    ("柜", UnitKind::Shop),
    ("摊", UnitKind::Shop),
    ("区", UnitKind::Zone),
];

/// One numbered token: kind and number as written (`312`, `B1`, `18-2`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct UnitToken {
    /// What the number designates.
    pub kind: UnitKind,
    /// The number, normalised by the address parser.
    pub value: String,
    /// The measure word as written (`号铺`), for display.
    pub word: &'static str,
}

/// An address remainder read into street, house number and unit tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Premises {
    /// Text before the first token (`华强北路`).
    street: String,
    /// The house number (`18`), if written.
    house: Option<String>,
    /// Building tokens after the house number, in order.
    buildings: Vec<UnitToken>,
    /// Unit tokens (floor, room, shop unit…), in order.
    units: Vec<UnitToken>,
    /// Other text after the first token (`步步高广场`), display only.
    rest: String,
}

/// How much of the premises matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PremisesLevel {
    /// The same door: units agree, or neither side writes one.
    Unit,
    /// The same building; only one side writes a unit.
    Building,
}

/// Two premises found the same.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PremisesMatch {
    /// Door or only building.
    pub level: PremisesLevel,
    /// Street (or text) similarity, 0–1.
    pub similarity: f64,
    /// What agreed, for the explanation.
    pub detail: String,
}

impl Premises {
    /// Reads a remainder as produced by [`crate::normalise::address`]
    /// (numbers already ASCII, letters upper case, no spaces).
    pub fn parse(remainder: &str) -> Premises {
        let chars: Vec<char> = remainder.chars().collect();
        let mut p = Premises::default();
        let mut seen_token = false;
        let mut i = 0;
        while i < chars.len() {
            if let Some((value, word, kind, next)) = read_token(&chars, i) {
                let kind = match kind {
                    UnitKind::House if p.house.is_some() || seen_token => UnitKind::Sub,
                    k => k,
                };
                match kind {
                    UnitKind::House => p.house = Some(value),
                    UnitKind::Building => p.buildings.push(UnitToken { kind, value, word }),
                    _ => p.units.push(UnitToken { kind, value, word }),
                }
                seen_token = true;
                i = next;
                continue;
            }
            if seen_token {
                p.rest.push(chars[i]);
            } else {
                p.street.push(chars[i]);
            }
            i += 1;
        }
        p
    }

    /// The street: text before the first numbered token.
    pub fn street(&self) -> &str {
        &self.street
    }

    /// The house number, if written.
    pub fn house(&self) -> Option<&str> {
        self.house.as_deref()
    }

    /// Building tokens (`3号楼`, `A座`).
    pub fn buildings(&self) -> &[UnitToken] {
        &self.buildings
    }

    /// Unit tokens (`3楼`, `312号铺`, `501室`).
    pub fn units(&self) -> &[UnitToken] {
        &self.units
    }

    /// Whether nothing at all was written after the division names.
    pub fn is_empty(&self) -> bool {
        self.street.is_empty()
            && self.house.is_none()
            && self.buildings.is_empty()
            && self.units.is_empty()
            && self.rest.is_empty()
    }

    /// The building this names, as a frequency key: street, house number and
    /// building tokens (`华强北路#18#3号楼`); without a house number, the text
    /// without unit tokens. Empty when nothing was written.
    pub fn building_key(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut key = match &self.house {
            Some(h) => format!("{}#{h}", self.street),
            None => format!("{}{}", self.street, self.rest),
        };
        for b in &self.buildings {
            key.push('#');
            key.push_str(&b.value);
            key.push_str(b.word);
        }
        key
    }

    /// The door this names, as a frequency key: [`building_key`](Self::building_key)
    /// then the unit tokens in a canonical order (`…/312号铺/3楼`). With no
    /// unit written, the building key and a `/`: "this building, no unit".
    pub fn unit_key(&self) -> String {
        let building = self.building_key();
        if building.is_empty() {
            return building;
        }
        let mut units: Vec<String> = self
            .units
            .iter()
            .map(|u| format!("{}{}", u.value, u.word))
            .collect();
        units.sort();
        format!("{building}/{}", units.join("/"))
    }

    /// Units as written (`3楼312号铺`), for display.
    fn units_text(&self) -> String {
        self.units
            .iter()
            .map(|u| format!("{}{}", u.value, u.word))
            .collect()
    }

    /// Whether `self` and `other` are the same premises (see the module
    /// documentation). `Err` says why not, for the explanation. Symmetric.
    pub fn compare(&self, other: &Premises) -> Result<PremisesMatch, String> {
        let (a, b) = (self, other);
        if a.is_empty() || b.is_empty() {
            return Err("no street address on one side".to_owned());
        }
        let similarity = match (&a.house, &b.house) {
            (Some(ha), Some(hb)) => {
                if ha != hb {
                    return Err(format!("house numbers differ: {ha}号 / {hb}号"));
                }
                let s = text_similarity(&a.street, &b.street);
                if s < STREET_MIN_SIMILARITY {
                    return Err(format!(
                        "streets differ: {} / {} (similarity {s:.2} < {STREET_MIN_SIMILARITY})",
                        a.street, b.street
                    ));
                }
                s
            }
            (None, None) => {
                let (ta, tb) = (a.building_key(), b.building_key());
                let s = text_similarity(&ta, &tb);
                if s < TEXT_MIN_SIMILARITY {
                    return Err(format!(
                        "addresses differ: {ta} / {tb} (similarity {s:.2} < {TEXT_MIN_SIMILARITY})"
                    ));
                }
                s
            }
            _ => return Err("house number on one side only".to_owned()),
        };
        if let Some((x, y)) = first_conflict(&a.buildings, &b.buildings) {
            return Err(format!("buildings differ: {x} / {y}"));
        }
        let level = match (a.units.is_empty(), b.units.is_empty()) {
            (true, true) => PremisesLevel::Unit,
            (false, false) => {
                if !a
                    .units
                    .iter()
                    .any(|u| b.units.iter().any(|v| v.kind == u.kind))
                {
                    return Err(format!(
                        "units not comparable: {} / {}",
                        a.units_text(),
                        b.units_text()
                    ));
                }
                if first_conflict(&a.units, &b.units).is_some() {
                    return Err(format!(
                        "units differ: {} / {} (one building, different units)",
                        a.units_text(),
                        b.units_text()
                    ));
                }
                PremisesLevel::Unit
            }
            _ => PremisesLevel::Building,
        };
        let detail = match level {
            PremisesLevel::Unit if a.units.is_empty() => {
                "same building, no unit written".to_owned()
            }
            PremisesLevel::Unit => format!("same unit {}", a.units_text()),
            PremisesLevel::Building => format!(
                "same building; unit written on one side only ({})",
                if a.units.is_empty() {
                    b.units_text()
                } else {
                    a.units_text()
                }
            ),
        };
        Ok(PremisesMatch {
            level,
            similarity,
            detail,
        })
    }
}

/// Normalised Levenshtein on characters, or 1 when the shorter text (at
/// least [`SUFFIX_MIN_CHARS`]) ends the longer one. Symmetric.
pub(crate) fn text_similarity(a: &str, b: &str) -> f64 {
    let (short, long) = if a.chars().count() <= b.chars().count() {
        (a, b)
    } else {
        (b, a)
    };
    if short.chars().count() >= SUFFIX_MIN_CHARS && long.ends_with(short) {
        return 1.0;
    }
    strsim::normalized_levenshtein(a, b)
}

/// The first kind both lists carry with different values, as written.
fn first_conflict(a: &[UnitToken], b: &[UnitToken]) -> Option<(String, String)> {
    for x in a {
        let same_kind: Vec<&UnitToken> = b.iter().filter(|y| y.kind == x.kind).collect();
        if !same_kind.is_empty() && !same_kind.iter().any(|y| y.value == x.value) {
            let y = same_kind[0];
            return Some((
                format!("{}{}", x.value, x.word),
                format!("{}{}", y.value, y.word),
            ));
        }
    }
    None
}

/// A numbered token at `i`: its number, measure word, kind and the index
/// after it.
fn read_token(chars: &[char], i: usize) -> Option<(String, &'static str, UnitKind, usize)> {
    let c = chars[i];
    let prev_is_letter = i > 0 && chars[i - 1].is_ascii_uppercase();
    let mut j = i;
    let mut value = String::new();
    if c.is_ascii_uppercase() && !prev_is_letter {
        value.push(c);
        j += 1;
    } else if !c.is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
        return None;
    }
    let digits_from = j;
    while j < chars.len()
        && (chars[j].is_ascii_digit()
            || (chars[j] == '-'
                && j > digits_from
                && chars.get(j + 1).is_some_and(|n| n.is_ascii_digit())))
    {
        value.push(chars[j]);
        j += 1;
    }
    let has_digits = j > digits_from;
    let rest: String = chars[j..].iter().take(3).collect();
    let (word, kind) = MEASURE_WORDS
        .iter()
        .find(|(w, _)| rest.starts_with(w))
        .copied()?;
    // A lone letter is a number only before a building or zone word (`A座`).
    if !has_digits && !matches!(word, "座" | "栋" | "幢" | "区") {
        return None;
    }
    Some((value, word, kind, j + word.chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::address;

    fn premises(raw: &str) -> Premises {
        Premises::parse(&address(raw).remainder)
    }

    #[test]
    fn a_remainder_splits_into_street_house_and_units() {
        let p = premises("广东省深圳市福田区华强北路十八号步步高广场3楼312号铺");
        assert_eq!(p.street(), "华强北路");
        assert_eq!(p.house(), Some("18"));
        let units: Vec<(UnitKind, &str)> = p
            .units()
            .iter()
            .map(|u| (u.kind, u.value.as_str()))
            .collect();
        assert_eq!(units, [(UnitKind::Floor, "3"), (UnitKind::Shop, "312")]);
        assert_eq!(p.building_key(), "华强北路#18");
        assert_eq!(p.unit_key(), "华强北路#18/312号铺/3楼");
    }

    #[test]
    fn buildings_entrances_and_rooms_are_read() {
        let p = premises("北京市朝阳区建国路88号3号楼2单元501室");
        assert_eq!(p.house(), Some("88"));
        assert_eq!(p.buildings()[0].kind, UnitKind::Building);
        assert_eq!(p.buildings()[0].value, "3");
        let kinds: Vec<UnitKind> = p.units().iter().map(|u| u.kind).collect();
        assert_eq!(kinds, [UnitKind::Entrance, UnitKind::Room]);
        let p = premises("北京市朝阳区建国路88号A座B1层");
        assert_eq!(p.buildings()[0].value, "A");
        assert_eq!(p.units()[0].value, "B1");
    }

    #[test]
    fn a_number_without_a_measure_word_stays_text() {
        let p = premises("广东省深圳市宝安区318国道旁");
        assert_eq!(p.house(), None);
        assert_eq!(p.street(), "318国道旁");
    }

    #[test]
    fn variants_of_one_door_are_the_same_premises() {
        let a = premises("广东省深圳市福田区华强北路18号");
        for raw in [
            "深圳市福田区华强北路十八号",
            "深圳福田区华强北路１８号",
            "廣東省深圳市福田區華強北路18號",
            "深圳市福田区福田街道华强北路18号",
        ] {
            let m = a.compare(&premises(raw)).expect(raw);
            assert_eq!(m.level, PremisesLevel::Unit, "{raw}");
        }
    }

    #[test]
    fn different_house_numbers_or_streets_are_different_premises() {
        let a = premises("深圳市福田区华强北路18号");
        assert!(a.compare(&premises("深圳市福田区华强北路19号")).is_err());
        assert!(a.compare(&premises("深圳市福田区华强南路18号")).is_err());
        assert!(a.compare(&premises("深圳市福田区华强北路")).is_err());
    }

    #[test]
    fn units_of_one_mall_are_different_premises() {
        let a = premises("湖南省长沙市岳麓区麓山路100号步步高广场3楼312号铺");
        let b = premises("湖南省长沙市岳麓区麓山路100号步步高广场2楼205号铺");
        let err = a.compare(&b).unwrap_err();
        assert!(err.contains("units differ"), "{err}");
        let c = premises("湖南省长沙市岳麓区麓山路一百号步步高广场3楼312号铺");
        assert_eq!(a.compare(&c).unwrap().level, PremisesLevel::Unit);
        let building = premises("湖南省长沙市岳麓区麓山路100号步步高广场");
        assert_eq!(a.compare(&building).unwrap().level, PremisesLevel::Building);
    }

    #[test]
    fn stalls_of_one_market_are_different_premises() {
        let a = premises("深圳市福田区城南农贸市场12号摊位");
        let b = premises("深圳市福田区城南农贸市场13号摊位");
        assert!(a.compare(&b).is_err());
        assert!(
            a.compare(&premises("深圳市福田区城南农贸市场十二号摊位"))
                .is_ok()
        );
    }

    #[test]
    fn comparison_is_symmetric() {
        let raws = [
            "深圳市福田区华强北路18号",
            "深圳市福田区华强北路18号3楼",
            "深圳市福田区福田街道华强北路18号",
            "深圳市福田区华强北路18号2楼201号铺",
            "深圳市福田区城南农贸市场12号摊位",
        ];
        for x in raws {
            for y in raws {
                let (a, b) = (premises(x), premises(y));
                assert_eq!(a.compare(&b).is_ok(), b.compare(&a).is_ok(), "{x} {y}");
                if let (Ok(m), Ok(n)) = (a.compare(&b), b.compare(&a)) {
                    assert_eq!(m.level, n.level);
                    assert_eq!(m.similarity, n.similarity);
                }
            }
        }
    }
}
