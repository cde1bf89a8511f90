//! Traditional → simplified folding for names and addresses (KYC.md §2).
//!
//! Merchants from Hong Kong, Macao and Taiwan, and many shop signs, write
//! traditional characters (`銀行`, `廣東`, `臺灣`, `麵館`); fraud rings switch
//! script to slip past exact matching. Both sides are folded to simplified
//! before comparing. This is a matching fold, not a rewrite: callers keep the
//! original for display.
//!
//! The table is the `fast2s` crate's (about 2,700 one-to-one character pairs
//! with a few two-character context rules). One-to-one mapping keeps the
//! character count, which the corrections below rely on. Measured against the
//! gazetteer, `fast2s` alone gets a handful of characters wrong, so a small
//! correction table overrides it per input character.

/// Per-character corrections applied on top of `fast2s`, keyed by the input
/// character. Each line says why.
const CORRECTIONS: &[(char, char)] = &[
    // 瀋陽 is 沈阳 (a provincial capital); fast2s gives the rare 渖.
    ('瀋', '沈'),
    // 彞 is the traditional form of 彝 (凉山彝族自治州 and 30 other divisions);
    // fast2s leaves it alone.
    ('彞', '彝'),
    // 疊 is 叠 since 1986 (桂林叠彩区); fast2s gives 迭.
    ('疊', '叠'),
    // 兒 has a context rule (兒寬) whose right neighbour changes script on
    // the first pass, so a second pass would convert it: fold it always.
    ('兒', '儿'),
    // Standard simplified characters that fast2s maps to other characters
    // (磐石市 would become 盘石市, 哪吒 哪咤, 呵 嗬, 涅槃 涅盘).
    ('磐', '磐'),
    ('槃', '槃'),
    ('吒', '吒'),
    ('呵', '呵'),
    ('呱', '呱'),
    ('祗', '祗'),
];

/// Folds traditional Chinese characters to simplified, after [`text`].
///
/// `simplified("廣東省深圳市福田區華強北路")` is `"广东省深圳市福田区华强北路"`.
/// Everything that is not a traditional character (simplified characters,
/// ASCII, punctuation) passes through unchanged. Idempotent.
///
/// Limits: character by character, so the few traditional characters whose
/// simplified form depends on the word (乾隆 vs 乾洗 → 干洗, 著名 vs 看著 →
/// 看着) follow `fast2s`'s short context list; variant characters are folded
/// too (黏 → 粘), which is right for matching and wrong for display.
///
/// [`text`]: super::text
pub fn simplified(s: &str) -> String {
    let folded = super::text(s);
    let mut out = convert(&folded);
    // A pass can change the neighbours a context rule looks at; stop at the
    // fixed point so the function is idempotent. Two passes suffice for the
    // current table; the bound only guards against a future table change.
    for _ in 0..4 {
        let again = convert(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// One `fast2s` pass with [`CORRECTIONS`] applied.
fn convert(s: &str) -> String {
    let converted = fast2s::convert(s);
    if converted == s {
        return converted;
    }
    // fast2s maps one character to one character: pair them up.
    s.chars()
        .zip(converted.chars())
        .map(|(original, folded)| {
            CORRECTIONS
                .iter()
                .find(|(from, _)| *from == original)
                .map_or(folded, |&(_, to)| to)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_merchant_words_fold_to_simplified() {
        for (traditional, simple) in [
            ("銀行", "银行"),
            ("廣東", "广东"),
            ("臺灣", "台湾"),
            ("澳門", "澳门"),
            ("餐廳", "餐厅"),
            ("麵館", "面馆"),
            ("藥房", "药房"),
            ("髮廊", "发廊"),
            ("老王煙酒店", "老王烟酒店"),
            ("乾洗店", "干洗店"),
            ("蘭州拉麵", "兰州拉面"),
        ] {
            assert_eq!(simplified(traditional), simple, "{traditional}");
        }
    }

    #[test]
    fn corrections_fix_place_names() {
        assert_eq!(simplified("遼寧省瀋陽市"), "辽宁省沈阳市");
        assert_eq!(simplified("涼山彞族自治州"), "凉山彝族自治州");
        assert_eq!(simplified("桂林市疊彩區"), "桂林市叠彩区");
        assert_eq!(simplified("吉林省磐石市"), "吉林省磐石市");
    }

    #[test]
    fn simplified_text_and_ascii_pass_through() {
        assert_eq!(
            simplified("深圳市福田区华强北路1号 A座"),
            "深圳市福田区华强北路1号 A座"
        );
    }

    #[test]
    fn text_folding_runs_first() {
        assert_eq!(simplified(" 臺北市　１０１大樓 "), "台北市 101大楼");
    }

    #[test]
    fn every_simplified_gazetteer_name_is_stable_except_known_variants() {
        // Simplified text must survive the fold, or a simplified address
        // would stop matching its own gazetteer entry. 乾县 and 乾安县 are
        // the exceptions (乾 → 干 in most words); the address index folds
        // gazetteer names through `simplified` too, so they still match.
        let changed: Vec<String> = crate::Gazetteer::get()
            .iter()
            .map(|d| d.name().to_owned())
            .filter(|n| simplified(n) != *n)
            .collect();
        assert_eq!(changed, ["乾安县", "乾县"]);
    }

    proptest! {
        #[test]
        fn simplified_is_idempotent(s in "\\PC*") {
            let once = simplified(&s);
            prop_assert_eq!(simplified(&once), once.clone());
        }

        #[test]
        fn simplified_is_idempotent_on_context_characters(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('兒'), Just('寬'), Just('乾'), Just('隆'), Just('著'), Just('看'),
                    Just('藉'), Just('憑'), Just('口'), Just('覆'), Just('答'), Just('畫'),
                    Just('計'), Just('於'), Just('樊'), Just('麽'), Just('幺'), Just('瀋'),
                    Just('陽'), Just(' '), Just('a'),
                ],
                0..16,
            )
        ) {
            let s: String = s.into_iter().collect();
            let once = simplified(&s);
            prop_assert_eq!(simplified(&once), once.clone());
        }
    }
}
