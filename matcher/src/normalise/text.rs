//! Text folding shared by every field (KYC.md §2).
//!
//! Acquirers' systems, OCR and people typing on phones produce the same name
//! in many byte forms: full-width digits and letters from Chinese input
//! methods, zero-width characters pasted from web pages, Chinese brackets,
//! five different middle dots in minority names (`买买提·艾力`). Matching
//! compares bytes, so everything is folded to one form first.

/// Folds a string to the canonical form used for storage and matching.
///
/// - full-width ASCII (U+FF01–U+FF5E) → ASCII, ideographic space (U+3000) → space;
/// - zero-width characters (U+200B–U+200D, U+2060, U+FEFF) and other control
///   characters removed;
/// - Chinese brackets `（）【】` → `()[]`;
/// - middle dots (U+00B7, U+30FB, U+2022, U+2027, U+FF65) → U+00B7;
/// - runs of whitespace → one ASCII space, ends trimmed.
///
/// Idempotent: `text(&text(s)) == text(s)`. Letter case and Chinese
/// characters are left alone; traditional → simplified folding is a separate
/// step because it is only right for names and addresses.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // A space is written only when a non-space follows, which collapses runs
    // and trims both ends in one pass. Removed characters do not end a run,
    // so `a \u{200B} b` becomes `a b`, not `a  b`.
    let mut pending_space = false;
    for c in s.chars() {
        let Some(c) = fold_char(c) else { continue };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// One character's fold, or `None` when the character is dropped.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Full-width forms sit at a fixed offset from ASCII.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        // Zero-width space, non-joiner, joiner, word joiner and the BOM: not
        // whitespace in Unicode, so they would survive collapsing and split
        // otherwise identical names.
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => None,
        '【' => Some('['),
        '】' => Some(']'),
        // （ and ） are U+FF08/U+FF09, handled by the full-width range above.
        '\u{00B7}' | '\u{30FB}' | '\u{2022}' | '\u{2027}' | '\u{FF65}' => Some('\u{00B7}'),
        // Whitespace controls (tab, newline, NEL) count as space; the rest go.
        c if c.is_whitespace() => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    }
}

/// [`text`], then every whitespace character and every character `strip`
/// accepts removed: the compact form of an identifier typed with separators.
pub(crate) fn compact(s: &str, strip: impl Fn(char) -> bool) -> String {
    text(s).chars().filter(|&c| c != ' ' && !strip(c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_width_digits_letters_and_space_become_ascii() {
        assert_eq!(text("ＡＢＣ１２３　ｘｙｚ"), "ABC123 xyz");
        assert_eq!(text("＋８６"), "+86");
    }

    #[test]
    fn zero_width_and_control_characters_are_removed() {
        assert_eq!(
            text("老\u{200B}王\u{FEFF}烟酒\u{2060}店\u{0007}"),
            "老王烟酒店"
        );
        assert_eq!(text("a \u{200B} b"), "a b");
    }

    #[test]
    fn chinese_brackets_become_ascii_brackets() {
        assert_eq!(
            text("某某科技（深圳）有限公司【旗舰店】"),
            "某某科技(深圳)有限公司[旗舰店]"
        );
    }

    #[test]
    fn every_middle_dot_becomes_u00b7() {
        for dot in ['\u{00B7}', '\u{30FB}', '\u{2022}', '\u{2027}', '\u{FF65}'] {
            assert_eq!(text(&format!("买买提{dot}艾力")), "买买提·艾力");
        }
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed() {
        assert_eq!(
            text("  北京市\t\t朝阳区 \n 建国路  "),
            "北京市 朝阳区 建国路"
        );
        assert_eq!(text(" \u{3000} "), "");
    }

    #[test]
    fn compact_removes_spaces_and_chosen_separators() {
        assert_eq!(compact(" 138-0013 8000 ", |c| c == '-'), "13800138000");
    }

    proptest! {
        #[test]
        fn text_is_idempotent(s in "\\PC*") {
            let once = text(&s);
            prop_assert_eq!(text(&once), once.clone());
        }

        #[test]
        fn text_is_idempotent_on_tricky_characters(
            s in proptest::collection::vec(
                prop_oneof![
                    Just('\u{3000}'), Just('\u{200B}'), Just('\u{FEFF}'), Just(' '),
                    Just('\t'), Just('\u{85}'), Just('（'), Just('】'), Just('\u{30FB}'),
                    Just('Ａ'), Just('１'), Just('a'), Just('王'), Just('\u{0}'),
                ],
                0..24,
            )
        ) {
            let s: String = s.into_iter().collect();
            let once = text(&s);
            prop_assert_eq!(text(&once), once.clone());
            prop_assert!(!once.starts_with(' ') && !once.ends_with(' '));
            prop_assert!(!once.contains("  "));
        }
    }
}
