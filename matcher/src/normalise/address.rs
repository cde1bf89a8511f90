//! Addresses parsed against the gazetteer (SPEC §4, KYC.md §2).
//!
//! The same shop is written `广东省深圳市福田区华强北路十八号`,
//! `深圳福田区华强北路18号` and `廣東深圳市福田區華強北路１８號`. Parsing
//! turns each into province/city/district codes plus a remainder
//! (`华强北路18号`) in one canonical form, so the hub can compare premises
//! and derive a `region_code` when a batch omits it.
//!
//! Names are looked up in an index built once from the [`Gazetteer`]: every
//! division's full name and, where it is at least two characters, its short
//! name (`广东省` → `广东`, `广西壮族自治区` → `广西`, `延边朝鲜族自治州` →
//! `延边`, `福田区` → `福田`). The parser reads names from the start of the
//! address, each one finer than and inside the last:
//!
//! - full names (`北京市`, `福田区`) are accepted anywhere they are unique
//!   given what was already found, so a district without its city
//!   (`福田区…`) resolves when it is unique in the country, and a city
//!   without its province (`深圳市…`) gives the province;
//! - short names are weaker evidence: a short province or city name alone is
//!   accepted when unique (`广东`, `深圳`; a province wins a tie with a city
//!   or district of the same short name: `吉林`, `海南`); a short district
//!   name (`福田`, `朝阳`) only once its city is known (or its municipality:
//!   `北京朝阳`), because `朝阳` is also a city in 辽宁 and a district of
//!   长春; and no short name is taken when the next word shows it is part of
//!   a street or place name (`南京东路`, `中山公园`, `朝阳门`);
//! - repeated municipality names (`北京市北京市东城区`) and the virtual
//!   levels `市辖区`, `县` and `省直辖县级行政区划` are dropped, as is a
//!   leading `中国`.
//!
//! Limits: only the leading division names are read (`华强北路…福田区` keeps
//! its trailing district in the remainder); an ambiguous name stops the
//! parse (`朝阳区…` with no city: 北京 or 长春); names of divisions that were
//! renamed or merged (`滦县`, now `滦州市`) are not known, because the
//! embedded gazetteer lists current names only; `济南市中区` is read as
//! `济南市` + `中区…`, not `济南` + `市中区` (write `济南市市中区`).

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::gazetteer::{Division, DivisionLevel, Gazetteer};
use crate::region_code::RegionCode;

use super::{numerals, simplified};

/// An address split into administrative divisions and the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ParsedAddress {
    /// Province-level division, named or inferred from a finer one.
    pub province: Option<RegionCode>,
    /// Prefecture-level division, named or inferred from the district;
    /// `None` for county-level units a province administers directly
    /// (济源市) and for a municipality named without a district.
    pub city: Option<RegionCode>,
    /// County-level division.
    pub district: Option<RegionCode>,
    /// Everything after the division names: simplified, numbers unified
    /// (`十八号` → `18号`, `3#` → `3号`), ASCII letters upper-cased,
    /// whitespace and punctuation removed except a `-` between digits
    /// (`3-2-501`).
    pub remainder: String,
}

impl ParsedAddress {
    /// Parses a free-text address; never fails (an address with no
    /// recognisable division has all codes `None` and is all remainder).
    pub fn parse(raw: &str) -> ParsedAddress {
        address(raw)
    }

    /// The finest division found: district, else city, else province. The
    /// hub uses it as `region_code` when a batch omits one.
    pub fn region_code(&self) -> Option<RegionCode> {
        self.district.or(self.city).or(self.province)
    }

    /// The address written out again with full division names
    /// (`广东省深圳市福田区华强北路18号`); parsing it gives back `self`. The
    /// city of a municipality is left out when a district follows
    /// (`北京市东城区…`), as people write it.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        if let Some(p) = self.province {
            out.push_str(&p.division().province);
        }
        if let Some(c) = self.city
            && !(self.district.is_some() && is_municipality(c.division()))
            && let Some(name) = &c.division().city
        {
            out.push_str(name);
        }
        if let Some(d) = self.district {
            out.push_str(d.division().name());
        }
        out.push_str(&self.remainder);
        out
    }
}

/// Parses an address against the gazetteer: see [`ParsedAddress`] and the
/// module documentation for the rules.
///
/// `address("廣東省深圳市福田區華強北路十八號")` has province `440000`, city
/// `440300`, district `440304` and remainder `华强北路18号`.
pub fn address(raw: &str) -> ParsedAddress {
    // Removing spaces can bring together the two characters of a t2s
    // context rule (`看 著`): fold once more so the text is stable.
    let text = simplified(&clean(&simplified(raw)));
    let mut state = State::default();
    let mut pos = 0;
    loop {
        match step(&text, pos, &state) {
            Step::Accept(division, len) => {
                state.set(division);
                pos += len;
            }
            Step::Drop(len) => pos += len,
            Step::Stop => break,
        }
    }
    let code = |d: Option<&'static Division>| {
        d.map(|d| RegionCode::parse(&d.code).expect("gazetteer codes parse"))
    };
    ParsedAddress {
        province: code(state.province),
        city: code(state.city),
        district: code(state.district),
        remainder: numerals(&text[pos..]),
    }
}

/// Keeps letters and digits (ASCII upper-cased), a `-` between ASCII digits,
/// and turns a `#` after a number into 号 (`3#楼` = `3号楼`); drops
/// whitespace and every other punctuation mark. Idempotent.
pub(super) fn clean(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let prev = out.chars().next_back();
        if c.is_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if c == '-'
            && prev.is_some_and(|p| p.is_ascii_digit())
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
        {
            out.push('-');
        } else if c == '#' && prev.is_some_and(|p| p.is_ascii_digit() || is_numeral_char(p)) {
            out.push('号');
        }
    }
    out
}

fn is_numeral_char(c: char) -> bool {
    "零〇一二三四五六七八九十百千万两".contains(c)
}

/// What has been found so far.
#[derive(Debug, Default, Clone, Copy)]
struct State {
    province: Option<&'static Division>,
    city: Option<&'static Division>,
    district: Option<&'static Division>,
}

impl State {
    /// Records `d` and every ancestor it implies.
    fn set(&mut self, d: &'static Division) {
        let g = Gazetteer::get();
        match d.level {
            DivisionLevel::Province => self.province = Some(d),
            DivisionLevel::City => {
                self.city = Some(d);
                self.province = g.parent(d);
            }
            DivisionLevel::District => {
                self.district = Some(d);
                self.city = city_row(d);
                self.province = g.division(&format!("{}0000", &d.code[..2]));
            }
        }
    }

    fn finest(&self) -> Option<&'static Division> {
        self.district.or(self.city).or(self.province)
    }

    fn is_empty(&self) -> bool {
        self.finest().is_none()
    }

    fn contains(&self, d: &Division) -> bool {
        [self.province, self.city, self.district]
            .iter()
            .flatten()
            .any(|f| f.code == d.code)
    }
}

/// One parser step at a position.
enum Step {
    /// A division name `len` bytes long.
    Accept(&'static Division, usize),
    /// `len` bytes that say nothing new (a repeated name, a virtual level).
    Drop(usize),
    /// Nothing more to read: the rest is the remainder.
    Stop,
}

/// Virtual levels of the statistical code tables, never part of a real
/// address (KYC.md §2).
const VIRTUAL_LEVELS: &[&str] = &[
    "自治区直辖县级行政区划",
    "省直辖县级行政区划",
    "直辖县级行政区划",
    "市辖区",
];

fn step(text: &str, pos: usize, state: &State) -> Step {
    let rest = &text[pos..];
    if let Some(v) = VIRTUAL_LEVELS.iter().find(|v| rest.starts_with(**v)) {
        return Step::Drop(v.len());
    }
    let index = &*INDEX;
    let ends: Vec<usize> = rest
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take(index.max_chars)
        .collect();
    // Longest name first: `吉林市` before `吉林`.
    for &end in ends.iter().rev() {
        let name = &rest[..end];
        let Some(entries) = index.names.get(name) else {
            continue;
        };
        let after = &rest[end..];
        if state.is_empty() {
            // With nothing found yet, every meaning of the name counts
            // towards ambiguity, also those that need context to be read:
            // `朝阳` alone is the 辽宁 city or a district of 北京 or 长春.
            let meanings: Vec<&'static Division> = entries
                .iter()
                .filter(|e| !(is_weak(e, name) && continues_a_place_name(after)))
                .map(|e| e.division)
                .collect();
            if let Some(d) = choose(&meanings, state)
                && let Some(e) = entries.iter().find(|e| e.division.code == d.code)
                && acceptable(e, name, after, state)
            {
                return Step::Accept(d, end);
            }
        } else {
            let candidates: Vec<&'static Division> = entries
                .iter()
                .filter(|e| acceptable(e, name, after, state))
                .map(|e| e.division)
                .collect();
            if let Some(d) = choose(&candidates, state) {
                return Step::Accept(d, end);
            }
        }
        // `北京市北京市`, `重庆市重庆市` (two city rows): a full name of a
        // division already found says nothing new.
        if state.district.is_none()
            && entries
                .iter()
                .any(|e| !e.short && state.contains(e.division))
        {
            return Step::Drop(end);
        }
    }
    // `重庆市县忠县`: the virtual county level of a municipality.
    if let Some(after) = rest.strip_prefix('县')
        && state.district.is_none()
        && state.province.is_some_and(is_municipality)
        && matches!(step(after, 0, state), Step::Accept(d, _) if d.level == DivisionLevel::District)
    {
        return Step::Drop('县'.len_utf8());
    }
    // `中国广东省…`: before any division, and only when one follows, so
    // `中国银行…` stays.
    if state.is_empty() {
        for prefix in ["中华人民共和国", "中国"] {
            if let Some(after) = rest.strip_prefix(prefix)
                && matches!(step(after, 0, state), Step::Accept(..))
            {
                return Step::Drop(prefix.len());
            }
        }
    }
    Step::Stop
}

/// Whether an index entry can be read at this point.
fn acceptable(entry: &Entry, name: &str, after: &str, state: &State) -> bool {
    let d = entry.division;
    let weak = is_weak(entry, name);
    if weak && continues_a_place_name(after) {
        return false;
    }
    if let Some(f) = state.finest()
        && !(d.level > f.level && descends_from(d, f))
    {
        return false;
    }
    if weak && d.level == DivisionLevel::District {
        let province_found = state.province.is_some_and(|p| p.code[..2] == d.code[..2]);
        let parent_found = match city_row(d) {
            Some(city) => {
                state.city.is_some_and(|c| c.code == city.code)
                    || (province_found && is_municipality(d))
            }
            None => province_found,
        };
        if !parent_found {
            return false;
        }
    }
    true
}

/// Short names, and two-character full names (`城区`, `东区`, `矿区`) which
/// are common words too, need more care than full names.
fn is_weak(entry: &Entry, name: &str) -> bool {
    entry.short || name.chars().count() <= 2
}

/// The one division a name means here, if it means one.
fn choose(candidates: &[&'static Division], state: &State) -> Option<&'static Division> {
    let first = *candidates.first()?;
    if candidates.iter().all(|d| d.code == first.code) {
        return Some(first);
    }
    // `北京` is the province and its city row; `重庆市` the province and two
    // city rows: read the enclosing one, the next name says the rest.
    if let Some(outer) = candidates.iter().find(|o| {
        candidates
            .iter()
            .all(|d| d.code == o.code || descends_from(d, o))
    }) {
        return Some(outer);
    }
    // With nothing found yet, a province's short name beats a city's or a
    // district's (`海南` the province, not 海南藏族自治州 or 海南区).
    if state.is_empty() {
        let mut provinces = candidates
            .iter()
            .filter(|d| d.level == DivisionLevel::Province);
        if let (Some(p), None) = (provinces.next(), provinces.next()) {
            return Some(p);
        }
    }
    None
}

/// Words that, right after a short name, show the name is part of a street
/// or place name: `南京东路`, `中山一路`, `中山公园`, `朝阳门`, `福田街道`.
const PLACE_WORDS: &[&str] = &[
    "路", "街", "道", "巷", "弄", "里", "胡同", "桥", "门", "湾", "港", "站", "广场", "大厦",
    "大楼", "花园", "公园", "小区", "新村", "村", "镇", "乡", "社区", "园", "中心", "市场", "商场",
    "商城", "机场", "码头", "大学", "中学", "小学", "医院", "宾馆", "酒店", "饭店", "银行", "公司",
];

fn continues_a_place_name(after: &str) -> bool {
    if PLACE_WORDS.iter().any(|w| after.starts_with(w)) {
        return true;
    }
    // A direction or an ordinal before a street word: 中山东一路, 中山三路.
    let skipped = after
        .char_indices()
        .take_while(|&(_, c)| {
            "东西南北中大环".contains(c) || c.is_ascii_digit() || is_numeral_char(c)
        })
        .take(3)
        .last()
        .map_or(0, |(i, c)| i + c.len_utf8());
    skipped > 0
        && ["路", "街", "道", "巷", "弄", "马路"]
            .iter()
            .any(|w| after[skipped..].starts_with(w))
}

/// `d` lies inside `outer` (and is not `outer`).
fn descends_from(d: &Division, outer: &Division) -> bool {
    d.code != outer.code
        && match outer.level {
            DivisionLevel::Province => d.code[..2] == outer.code[..2],
            DivisionLevel::City => d.code[..4] == outer.code[..4],
            DivisionLevel::District => false,
        }
}

/// The prefecture-level row above a county-level division, if there is one.
fn city_row(d: &Division) -> Option<&'static Division> {
    Gazetteer::get()
        .division(&format!("{}00", &d.code[..4]))
        .filter(|c| c.level == DivisionLevel::City)
}

/// 北京, 天津, 上海, 重庆.
fn is_municipality(d: &Division) -> bool {
    matches!(&d.code[..2], "11" | "12" | "31" | "50")
}

/// One name's meaning.
#[derive(Debug)]
struct Entry {
    division: &'static Division,
    /// A short name (`深圳`), not the full one (`深圳市`).
    short: bool,
}

/// Every full and short name → the divisions it names.
#[derive(Debug)]
struct Index {
    names: HashMap<String, Vec<Entry>>,
    /// The longest name, in characters.
    max_chars: usize,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut names: HashMap<String, Vec<Entry>> = HashMap::new();
    let mut add = |name: String, division: &'static Division, short: bool| {
        let entries = names.entry(name).or_default();
        if !entries.iter().any(|e| e.division.code == division.code) {
            entries.push(Entry { division, short });
        }
    };
    for d in Gazetteer::get().iter() {
        // Folded like the input, so a name fast2s changes (乾县 → 干县)
        // still matches.
        let full = simplified(d.name());
        if let Some(short) = short_name(&full, d.level) {
            // 延边州, 凉山州: the usual way to write an autonomous prefecture.
            if full.ends_with("自治州") {
                add(format!("{short}州"), d, true);
            }
            add(short, d, true);
        }
        add(full, d, false);
    }
    // A common short form the suffix rules do not produce.
    if let Some(d) = Gazetteer::get().division("150000") {
        add("内蒙".to_owned(), d, true);
    }
    let max_chars = names.keys().map(|n| n.chars().count()).max().unwrap_or(0);
    Index { names, max_chars }
});

/// The longest division name (full or short) at the start of a company
/// name, for stripping a region prefix: province and city names in either
/// form, district full names, and a district's short name only inside `city`
/// (the city already stripped from the same name: `深圳福田…`). Returns the
/// name's length in bytes and the division.
pub(super) fn region_prefix(
    s: &str,
    city: Option<&Division>,
) -> Option<(usize, &'static Division)> {
    let ends: Vec<usize> = s
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take(INDEX.max_chars)
        .collect();
    for &end in ends.iter().rev() {
        let name = &s[..end];
        let after = &s[end..];
        let Some(entries) = INDEX.names.get(name) else {
            continue;
        };
        // `深圳市场监督…` is not 深圳市 + 场….
        if name.ends_with('市') && after.starts_with('场') {
            continue;
        }
        let found = entries.iter().find(|e| {
            let weak = is_weak(e, name);
            if weak && continues_a_place_name(after) {
                return false;
            }
            match e.division.level {
                DivisionLevel::Province | DivisionLevel::City => true,
                DivisionLevel::District if !weak => true,
                DivisionLevel::District => {
                    city.is_some_and(|c| city_row(e.division).is_some_and(|r| r.code == c.code))
                }
            }
        });
        if let Some(e) = found {
            return Some((end, e.division));
        }
    }
    None
}

/// Where the longest division name (any level, full or short) that ends `s`
/// starts, if it leaves something before it: the `福田` of `沃尔玛福田`.
pub(super) fn region_suffix(s: &str) -> Option<usize> {
    s.char_indices()
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
        .find(|&i| INDEX.names.contains_key(&s[i..]))
}

/// Whether `s` is exactly a division name, full or short, or the country.
pub(super) fn is_region(s: &str) -> bool {
    INDEX.names.contains_key(s) || matches!(s, "中国" | "中华" | "中国大陆")
}

/// The prefecture-level division of a county-level one, for name context.
pub(super) fn city_of(d: &Division) -> Option<&'static Division> {
    city_row(d)
}

/// The 55 minority nationalities named in autonomous divisions, without 族.
const ETHNIC: &[&str] = &[
    "蒙古",
    "回",
    "藏",
    "维吾尔",
    "苗",
    "彝",
    "壮",
    "布依",
    "朝鲜",
    "满",
    "侗",
    "瑶",
    "白",
    "土家",
    "哈尼",
    "哈萨克",
    "傣",
    "黎",
    "傈僳",
    "佤",
    "畲",
    "高山",
    "拉祜",
    "水",
    "东乡",
    "纳西",
    "景颇",
    "柯尔克孜",
    "土",
    "达斡尔",
    "仫佬",
    "羌",
    "布朗",
    "撒拉",
    "毛南",
    "仡佬",
    "锡伯",
    "阿昌",
    "普米",
    "塔吉克",
    "怒",
    "乌孜别克",
    "俄罗斯",
    "鄂温克",
    "德昂",
    "保安",
    "裕固",
    "京",
    "塔塔尔",
    "独龙",
    "鄂伦春",
    "赫哲",
    "门巴",
    "珞巴",
    "基诺",
];

/// The short form of a full name, if it has one of at least two characters.
fn short_name(full: &str, level: DivisionLevel) -> Option<String> {
    let suffixes: &[&str] = match level {
        DivisionLevel::Province => &[
            "特别行政区",
            "维吾尔自治区",
            "壮族自治区",
            "回族自治区",
            "自治区",
            "省",
            "市",
        ],
        DivisionLevel::City => &["自治州", "地区", "新区", "盟", "市"],
        DivisionLevel::District => &[
            "自治县",
            "自治旗",
            "新区",
            "林区",
            "特区",
            "区",
            "县",
            "市",
            "旗",
        ],
    };
    let suffix = suffixes.iter().find(|s| full.ends_with(**s))?;
    let mut short = &full[..full.len() - suffix.len()];
    if suffix.starts_with("自治") {
        // 红河哈尼族彝族自治州 → 红河; 博尔塔拉蒙古自治州 → 博尔塔拉.
        // The nationality is written with 族, or without it for names of two
        // or more characters (蒙古, 哈萨克); never strip below two characters.
        let strip_one = |short: &str| -> Option<usize> {
            ETHNIC.iter().find_map(|e| {
                let with_zu = format!("{e}族");
                let len = if short.ends_with(&with_zu) {
                    with_zu.len()
                } else if e.chars().count() >= 2 && short.ends_with(e) {
                    e.len()
                } else {
                    return None;
                };
                let rest = &short[..short.len() - len];
                (rest.chars().count() >= 2).then_some(rest.len())
            })
        };
        while let Some(keep) = strip_one(short) {
            short = &short[..keep];
        }
    }
    (short.chars().count() >= 2).then(|| short.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn codes(p: &ParsedAddress) -> [Option<&'static str>; 3] {
        [p.province, p.city, p.district].map(|c| c.map(|c| c.as_str()))
    }

    #[track_caller]
    fn assert_parse(raw: &str, expected: [Option<&str>; 3], remainder: &str) {
        let p = address(raw);
        assert_eq!(codes(&p), expected, "{raw}");
        assert_eq!(p.remainder, remainder, "{raw}");
    }

    #[test]
    fn a_full_address_parses_into_codes_and_a_remainder() {
        assert_parse(
            "广东省深圳市福田区华强北路十八号",
            [Some("440000"), Some("440300"), Some("440304")],
            "华强北路18号",
        );
    }

    #[test]
    fn traditional_full_width_and_spaced_forms_parse_alike() {
        let forms = [
            "廣東省深圳市福田區華強北路十八號",
            "广东 深圳市 福田区 华强北路１８号",
            "深圳福田区华强北路18号",
            "福田区华强北路18号",
            "深圳市福田华强北路18号",
            "中国广东省深圳市福田区华强北路18号",
        ];
        for raw in forms {
            assert_parse(
                raw,
                [Some("440000"), Some("440300"), Some("440304")],
                "华强北路18号",
            );
        }
    }

    #[test]
    fn numbers_in_the_remainder_are_unified() {
        assert_parse(
            "北京市朝阳区建国路八十八号三号楼二单元五零一室",
            [Some("110000"), Some("110100"), Some("110105")],
            "建国路88号3号楼2单元501室",
        );
        assert_eq!(
            address("深圳市南山区科技园3#楼a座").remainder,
            "科技园3号楼A座"
        );
        assert_eq!(
            address("深圳市南山区某小区3-2-501").remainder,
            "某小区3-2-501"
        );
    }

    #[test]
    fn municipalities_repeated_and_virtual_levels_are_dropped() {
        let dongcheng = [Some("110000"), Some("110100"), Some("110101")];
        assert_parse("北京市北京市东城区东长安街1号", dongcheng, "东长安街1号");
        assert_parse("北京市市辖区东城区东长安街1号", dongcheng, "东长安街1号");
        assert_parse("北京东城区东长安街1号", dongcheng, "东长安街1号");
        assert_parse(
            "上海市市辖区徐汇区漕溪北路1号",
            [Some("310000"), Some("310100"), Some("310104")],
            "漕溪北路1号",
        );
        // 重庆 has two city rows (districts and counties).
        assert_parse(
            "重庆市重庆市万州区xx路",
            [Some("500000"), Some("500100"), Some("500101")],
            "XX路",
        );
        assert_parse(
            "重庆市县城口县葛城街道",
            [Some("500000"), Some("500200"), Some("500229")],
            "葛城街道",
        );
    }

    #[test]
    fn autonomous_regions_and_sars_parse_by_short_name() {
        for (raw, province) in [
            ("内蒙古呼和浩特市新城区", "150000"),
            ("内蒙呼和浩特市新城区", "150000"),
            ("广西南宁市青秀区", "450000"),
            ("西藏拉萨市城关区", "540000"),
            ("宁夏银川市兴庆区", "640000"),
            ("新疆乌鲁木齐市天山区", "650000"),
            ("香港特别行政区中环", "810000"),
            ("香港中环", "810000"),
            ("澳门新马路", "820000"),
        ] {
            assert_eq!(address(raw).province.unwrap().as_str(), province, "{raw}");
        }
        assert_parse(
            "延边州延吉市",
            [Some("220000"), Some("222400"), Some("222401")],
            "",
        );
        assert_parse(
            "吉林省延边朝鲜族自治州延吉市",
            [Some("220000"), Some("222400"), Some("222401")],
            "",
        );
        assert_parse(
            "吉林延边延吉市",
            [Some("220000"), Some("222400"), Some("222401")],
            "",
        );
    }

    #[test]
    fn ambiguous_short_names_need_context() {
        // 朝阳 is a district of 北京 and 长春 and a city in 辽宁.
        assert_parse("朝阳区建国路88号", [None, None, None], "朝阳区建国路88号");
        assert_parse("朝阳建国路88号", [None, None, None], "朝阳建国路88号");
        assert_eq!(
            address("北京朝阳建国路88号").district.unwrap().as_str(),
            "110105"
        );
        assert_eq!(
            address("长春市朝阳区人民大街").district.unwrap().as_str(),
            "220104"
        );
        assert_parse(
            "辽宁朝阳双塔区",
            [Some("210000"), Some("211300"), Some("211302")],
            "",
        );
        // A province beats a city or district of the same short name.
        assert_eq!(address("海南海口市").city.unwrap().as_str(), "460100");
        assert_eq!(address("吉林长春市").city.unwrap().as_str(), "220100");
        assert_eq!(address("吉林市船营区").district.unwrap().as_str(), "220204");
    }

    #[test]
    fn short_names_inside_street_names_are_not_divisions() {
        assert_parse(
            "上海市黄浦区南京东路100号",
            [Some("310000"), Some("310100"), Some("310101")],
            "南京东路100号",
        );
        assert_parse("中山公园旁", [None, None, None], "中山公园旁");
        assert_parse("南京东路100号", [None, None, None], "南京东路100号");
        assert_parse(
            "北京市东城区朝阳门内大街",
            [Some("110000"), Some("110100"), Some("110101")],
            "朝阳门内大街",
        );
        assert_parse(
            "东莞市长安镇",
            [Some("440000"), Some("441900"), None],
            "长安镇",
        );
    }

    #[test]
    fn a_city_without_province_and_a_unique_district_infer_their_parents() {
        assert_parse(
            "苏州市姑苏区",
            [Some("320000"), Some("320500"), Some("320508")],
            "",
        );
        assert_parse(
            "姑苏区",
            [Some("320000"), Some("320500"), Some("320508")],
            "",
        );
        // 济源 is administered by 河南 directly: no city row.
        assert_parse("河南省济源市", [Some("410000"), None, Some("419001")], "");
    }

    #[test]
    fn names_changed_by_the_traditional_fold_still_match() {
        // 乾 folds to 干; the index folds gazetteer names the same way.
        assert_eq!(
            address("陕西省咸阳市乾县").district.unwrap().as_str(),
            "610424"
        );
        assert_eq!(address("遼寧省瀋陽市").city.unwrap().as_str(), "210100");
    }

    #[test]
    fn region_code_is_the_finest_division() {
        assert_eq!(
            address("广东省深圳市").region_code().unwrap().as_str(),
            "440300"
        );
        assert_eq!(address("广东省").region_code().unwrap().as_str(), "440000");
        assert_eq!(address("某某路1号").region_code(), None);
    }

    #[test]
    fn a_company_name_after_the_country_is_not_a_division() {
        assert_parse("中国银行大厦", [None, None, None], "中国银行大厦");
    }

    #[test]
    fn canonical_writes_full_names() {
        assert_eq!(
            address("深圳福田华强北路18号").canonical(),
            "广东省深圳市福田区华强北路18号"
        );
        assert_eq!(address("北京朝阳建国路").canonical(), "北京市朝阳区建国路");
    }

    #[test]
    fn short_names_strip_level_and_ethnic_suffixes() {
        assert_eq!(
            short_name("广西壮族自治区", DivisionLevel::Province).as_deref(),
            Some("广西")
        );
        assert_eq!(
            short_name("新疆维吾尔自治区", DivisionLevel::Province).as_deref(),
            Some("新疆")
        );
        assert_eq!(
            short_name("红河哈尼族彝族自治州", DivisionLevel::City).as_deref(),
            Some("红河")
        );
        assert_eq!(
            short_name("博尔塔拉蒙古自治州", DivisionLevel::City).as_deref(),
            Some("博尔塔拉")
        );
        assert_eq!(
            short_name("镇沅彝族哈尼族拉祜族自治县", DivisionLevel::District).as_deref(),
            Some("镇沅")
        );
        assert_eq!(
            short_name("浦东新区", DivisionLevel::District).as_deref(),
            Some("浦东")
        );
        assert_eq!(short_name("城区", DivisionLevel::District), None);
        assert_eq!(
            short_name("鄂伦春自治旗", DivisionLevel::District).as_deref(),
            Some("鄂伦春")
        );
    }

    /// Address fragments for the property tests: division names in several
    /// forms, street words, numbers, punctuation and traditional characters.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just("广东省"),
            Just("广东"),
            Just("深圳市"),
            Just("深圳"),
            Just("福田区"),
            Just("福田"),
            Just("北京市"),
            Just("北京"),
            Just("朝阳区"),
            Just("朝阳"),
            Just("重庆市"),
            Just("县"),
            Just("市辖区"),
            Just("吉林"),
            Just("吉林市"),
            Just("海南"),
            Just("中国"),
            Just("南京"),
            Just("东路"),
            Just("门"),
            Just("长安"),
            Just("镇"),
            Just("臺灣"),
            Just("廣東"),
            Just("華強北路"),
            Just("十八"),
            Just("号"),
            Just("五零一"),
            Just("室"),
            Just("3#"),
            Just("-"),
            Just("2"),
            Just(" "),
            Just("（"),
            Just("a"),
            Just("两"),
            Just("栋"),
            Just("济源市"),
            Just("河南"),
            Just("延边"),
        ]
    }

    proptest! {
        #[test]
        fn parsing_the_canonical_form_gives_the_same_address(
            parts in proptest::collection::vec(fragment(), 0..10)
        ) {
            let p = address(&parts.concat());
            prop_assert_eq!(address(&p.canonical()), p);
        }

        #[test]
        fn parsing_the_canonical_form_of_any_text_gives_the_same_address(s in "\\PC*") {
            let p = address(&s);
            prop_assert_eq!(address(&p.canonical()), p);
        }

        #[test]
        fn the_remainder_is_idempotent(
            parts in proptest::collection::vec(fragment(), 0..10)
        ) {
            // A remainder is in normal form; reparsing it alone keeps it
            // unless it starts with a name that only the lost context ruled
            // out (上海 + 南京… would read 南京 as a city on its own).
            let p = address(&parts.concat());
            let again = address(&p.remainder);
            if again.region_code().is_none() {
                prop_assert_eq!(again.remainder, p.remainder);
            }
        }
    }
}
