//! Chinese numerals → ASCII digits inside address text (KYC.md §2).
//!
//! The same door is written `十八号`, `18号` and `１８号`; the same flat
//! `三号楼二单元五零一室` and `3号楼2单元501室`. Address matching compares
//! remainders, so numbers are unified first.
//!
//! Chinese numeral characters also occur inside ordinary words and place
//! names (`三里屯`, `五一路`, `十字路口`, `万达`, `千层饼`, `九江`), so a run of
//! numeral characters is converted only where it is clearly a number:
//!
//! - it is followed by an address measure word ([`MEASURE_WORDS`]: 号 栋 幢 座
//!   单元 层 楼 室 弄 巷 组 期 排), as in `十八号`, `两栋`, `五零一室`; or
//! - it is a digit-by-digit sequence containing 零 or 〇 (`二〇二三年`,
//!   `五零一`), which no word spells.
//!
//! Limits, on purpose: numbers before 路 and 街 stay (`五一路`, `八一街` are
//! names, not house numbers), as do numbers before 村 and 里 (`三家村`,
//! `三里河`); a word made of a numeral and a measure word is converted
//! (`九层塔` → `9层塔`), which is harmless because both sides of a comparison
//! are converted alike. A lone 百, 千 or 万 is never a number here, so
//! `千层` stays. Financial numerals (壹贰叁) are not handled.

/// Words after which a numeral run is a number (longest first where one is
/// a prefix of another does not matter: only `starts_with` is asked).
pub const MEASURE_WORDS: &[&str] = &[
    "号", "栋", "幢", "座", "单元", "层", "楼", "室", "弄", "巷", "组", "期", "排",
];

/// Converts Chinese numerals that stand for numbers to ASCII digits, and
/// full-width digits to ASCII (in case the caller skipped [`text`]).
///
/// `numerals("人民路十八号3号楼二单元五零一室")` is
/// `"人民路18号3号楼2单元501室"`. Idempotent: converted runs become ASCII,
/// and whether a run converts depends only on the run and the text after it.
///
/// [`text`]: super::text
pub fn numerals(s: &str) -> String {
    let chars: Vec<char> = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_numeral(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_numeral(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        let after: String = chars[i..].iter().take(2).collect();
        match convert_run(run, &after) {
            Some(digits) => out.push_str(&digits),
            None => out.extend(run),
        }
    }
    out
}

/// Whether `c` can be part of a Chinese numeral.
fn is_numeral(c: char) -> bool {
    digit_value(c).is_some() || unit_value(c).is_some()
}

/// 零〇一…九 and 两.
fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// 十百千万.
fn unit_value(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        '万' => 10_000,
        _ => return None,
    })
}

/// The digits for one maximal numeral run, or `None` to leave it alone.
fn convert_run(run: &[char], after: &str) -> Option<String> {
    let measured = MEASURE_WORDS.iter().any(|w| after.starts_with(w));
    let digit_only = run.iter().all(|&c| digit_value(c).is_some());
    if digit_only {
        let has_zero = run.iter().any(|&c| c == '零' || c == '〇');
        // 两 reads "two" only as a count (两栋), never inside a digit string.
        let has_liang = run.contains(&'两');
        if has_liang && run.len() > 1 {
            return None;
        }
        if measured || (has_zero && run.len() >= 2) {
            return Some(
                run.iter()
                    .filter_map(|&c| digit_value(c))
                    .map(|d| char::from(b'0' + d as u8))
                    .collect(),
            );
        }
        return None;
    }
    if !measured {
        return None;
    }
    positional(run).map(|n| n.to_string())
}

/// Reads a numeral with units: 十八 18, 二十三 23, 一百零五 105, 两千 2000,
/// 三百五 350 (the colloquial dropped unit), 一万二千 12000. `None` for
/// anything malformed (二二十, 百 alone, units out of order).
fn positional(run: &[char]) -> Option<u64> {
    let mut total: u64 = 0; // completed 万 part
    let mut section: u64 = 0; // below 万
    let mut digit: Option<u64> = None;
    let mut last_unit: Option<u64> = None; // smallest unit used so far
    let mut zero_seen = false;
    let mut seen_wan = false;
    for (i, &c) in run.iter().enumerate() {
        if let Some(d) = digit_value(c) {
            if d == 0 {
                if digit.is_some() {
                    return None;
                }
                zero_seen = true;
                continue;
            }
            if digit.is_some() {
                return None;
            }
            digit = Some(d);
        } else if c == '万' {
            if seen_wan {
                return None;
            }
            seen_wan = true;
            section += digit.take().unwrap_or(0);
            if section == 0 {
                return None;
            }
            total = section * 10_000;
            section = 0;
            last_unit = Some(10_000);
            zero_seen = false;
        } else {
            let unit = unit_value(c)?;
            // 十 alone at the start means 一十; every other unit needs a digit.
            let d = match digit.take() {
                Some(d) => d,
                None if unit == 10 && i == 0 => 1,
                None if unit == 10 && zero_seen => 1,
                None => return None,
            };
            if let Some(last) = last_unit
                && last != 10_000
                && unit >= last
            {
                return None;
            }
            section += d * unit;
            last_unit = Some(unit);
            zero_seen = false;
        }
    }
    if let Some(d) = digit {
        section += match last_unit {
            // 二十三, 一百零五: a plain last digit.
            None => d,
            Some(_) if zero_seen => d,
            // 三百五 = 350, 一万二 = 12000: the unit below the last one.
            Some(unit) => d * (unit / 10),
        };
    } else if last_unit.is_none() {
        return None;
    }
    Some(total + section)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers_before_measure_words_become_digits() {
        assert_eq!(numerals("十八号"), "18号");
        assert_eq!(numerals("二十三号"), "23号");
        assert_eq!(numerals("一百零五号"), "105号");
        assert_eq!(numerals("十号"), "10号");
        assert_eq!(numerals("两栋"), "2栋");
        assert_eq!(numerals("两千号"), "2000号");
        assert_eq!(numerals("三百五号"), "350号");
        assert_eq!(numerals("一千零五十号"), "1050号");
        assert_eq!(numerals("一万二千号"), "12000号");
        assert_eq!(numerals("二十层"), "20层");
    }

    #[test]
    fn building_unit_and_flat_are_unified() {
        assert_eq!(numerals("三号楼二单元五零一室"), "3号楼2单元501室");
        assert_eq!(
            numerals("人民路十八号3号楼二单元五零一室"),
            "人民路18号3号楼2单元501室"
        );
        assert_eq!(numerals("七弄三号"), "7弄3号");
        assert_eq!(numerals("村三组"), "村3组");
    }

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(numerals("１８号"), "18号");
    }

    #[test]
    fn digit_strings_with_a_zero_are_numbers_anywhere() {
        assert_eq!(numerals("二〇二三年"), "2023年");
        assert_eq!(numerals("五零一"), "501");
    }

    #[test]
    fn numerals_inside_names_are_left_alone() {
        for name in [
            "三里屯",
            "五一路",
            "八一街",
            "十字路口",
            "万达广场",
            "千层饼",
            "九江",
            "三家村",
            "七台河",
            "一心一意",
            "百货",
            "两岸",
        ] {
            assert_eq!(numerals(name), name);
        }
    }

    #[test]
    fn malformed_numerals_are_left_alone() {
        assert_eq!(numerals("二二十号"), "二二十号");
        assert_eq!(numerals("百号"), "百号");
        assert_eq!(numerals("十百号"), "十百号");
        assert_eq!(numerals("五两号"), "五两号");
    }

    proptest! {
        #[test]
        fn numerals_is_idempotent(
            s in proptest::collection::vec(
                prop_oneof![
                    Just("零"), Just("〇"), Just("一"), Just("二"), Just("两"), Just("五"),
                    Just("十"), Just("百"), Just("千"), Just("万"), Just("号"), Just("单元"),
                    Just("室"), Just("路"), Just("1"), Just("-"), Just("楼"), Just("村"),
                ],
                0..16,
            )
        ) {
            let s: String = s.concat();
            let once = numerals(&s);
            prop_assert_eq!(numerals(&once), once.clone());
        }

        #[test]
        fn numerals_is_idempotent_on_any_text(s in "\\PC*") {
            let once = numerals(&s);
            prop_assert_eq!(numerals(&once), once.clone());
        }
    }
}
