//! The spelling variants acquirers' systems produce: full-width characters,
//! traditional characters and house numbers in Chinese numerals.
//!
//! These are the *inverse* of the hub's normalisation (SPEC §4), kept small on
//! purpose: only characters that occur in the generator's own vocabulary are
//! mapped, so every variant written here folds back with a standard table.

/// Full-width form of ASCII digits, letters and a few punctuation marks; other
/// characters are kept.
pub(crate) fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// Full-width digits only (the most common form in hand-keyed data).
pub(crate) fn full_width_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Simplified → traditional for the characters of the generator's
/// vocabulary that differ (surnames, given names, shop words, place words).
const SIMPLIFIED: &str = concat!(
    "东区广门龙华园号楼层单贸发兴业刘陈杨黄赵吴郑孙马罗张伟丽强军国红药饭馆面烟汤鸡鱼",
    "书电车长场汉宁庆湾厦苏阳凤乐万丰鲜优铺厅台义乌实宾顺达进边务员设开关间师学会齐庄",
    "桥宝缘丝绸钟叶许韩冯邓萧卢蒋谭陆贾韦邹闫龚钱严艳兰贵荣宽伦杰涛鹏飞辉岚体户记经营",
    "综农银货网讯机气时装饰粮点烧虾养线灯饮爱",
);
/// The traditional form of each character of [`SIMPLIFIED`], position by position.
const TRADITIONAL: &str = concat!(
    "東區廣門龍華園號樓層單貿發興業劉陳楊黃趙吳鄭孫馬羅張偉麗強軍國紅藥飯館麵煙湯雞魚",
    "書電車長場漢寧慶灣廈蘇陽鳳樂萬豐鮮優鋪廳臺義烏實賓順達進邊務員設開關間師學會齊莊",
    "橋寶緣絲綢鐘葉許韓馮鄧蕭盧蔣譚陸賈韋鄒閆龔錢嚴艷蘭貴榮寬倫傑濤鵬飛輝嵐體戶記經營",
    "綜農銀貨網訊機氣時裝飾糧點燒蝦養線燈飲愛",
);

/// `s` with every character that has a traditional form in the table replaced.
pub(crate) fn traditional(s: &str) -> String {
    s.chars()
        .map(|c| {
            SIMPLIFIED
                .chars()
                .position(|simplified| simplified == c)
                .and_then(|i| TRADITIONAL.chars().nth(i))
                .unwrap_or(c)
        })
        .collect()
}

const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// `n` (1–9999) in Chinese numerals as written in addresses: 18 → 十八,
/// 108 → 一百零八, 2010 → 二千零一十.
pub(crate) fn chinese_numeral(n: u32) -> String {
    debug_assert!((1..10_000).contains(&n));
    let units = [(1000, '千'), (100, '百'), (10, '十')];
    let mut out = String::new();
    let mut rest = n;
    let mut pending_zero = false;
    for (value, unit) in units {
        let digit = rest / value;
        rest %= value;
        if digit == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push('零');
            pending_zero = false;
        }
        // 10–19 read 十、十一 … not 一十 when they stand alone.
        if !(value == 10 && digit == 1 && out.is_empty()) {
            out.push(DIGITS[digit as usize]);
        }
        out.push(unit);
    }
    if rest > 0 {
        if pending_zero {
            out.push('零');
        }
        out.push(DIGITS[rest as usize]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_like_addresses() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (18, "十八"),
            (20, "二十"),
            (101, "一百零一"),
            (108, "一百零八"),
            (110, "一百一十"),
            (128, "一百二十八"),
            (1005, "一千零五"),
            (2010, "二千零一十"),
            (3400, "三千四百"),
        ];
        for (n, want) in cases {
            assert_eq!(chinese_numeral(n), want, "{n}");
        }
    }

    #[test]
    fn full_width_maps_ascii_and_keeps_chinese() {
        assert_eq!(full_width("18号A"), "１８号Ａ");
        assert_eq!(full_width_digits("3栋2单元"), "３栋２单元");
    }

    #[test]
    fn the_two_character_tables_line_up() {
        assert_eq!(SIMPLIFIED.chars().count(), TRADITIONAL.chars().count());
    }

    #[test]
    fn matchers_fold_turns_every_traditional_form_back() {
        for (s, t) in SIMPLIFIED.chars().zip(TRADITIONAL.chars()) {
            assert_eq!(
                matcher::normalise::simplified(&t.to_string()),
                s.to_string(),
                "{t}"
            );
        }
    }

    #[test]
    fn matchers_numerals_read_chinese_house_numbers_back() {
        for n in [1, 10, 18, 101, 110, 128, 399, 1005, 1200] {
            assert_eq!(
                matcher::normalise::numerals(&format!("{}号", chinese_numeral(n))),
                format!("{n}号")
            );
        }
    }

    #[test]
    fn traditional_changes_only_known_characters() {
        assert_eq!(traditional("广东省深圳市龙华区"), "廣東省深圳市龍華區");
        assert_eq!(traditional("老王烟酒店"), "老王煙酒店");
    }
}
