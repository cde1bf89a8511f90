//! Masked display forms of payment-sensitive values (SPEC §4).
//!
//! A mask keeps the length and shows only the ends, which is what people need
//! to recognise a value (the issuing region and the last digits of an ID, the
//! bank of a card) without being able to use it. The standard masks are the
//! industry's: `110105********123X`, `138****5678`, `622202*********1234`.
//!
//! Every function accepts any string: masks are also applied to values that
//! failed validation (for error messages), so they must not assume a length.
//! When a value is too short for the standard mask to hide at least
//! `MIN_HIDDEN` (4) characters, a quarter of the length is shown at each end
//! instead, so a short value is never shown almost whole.

/// The fewest characters a standard mask must hide before it falls back to
/// showing a quarter of the value at each end.
const MIN_HIDDEN: usize = 4;

/// Resident ID: first 6 (region) and last 4 shown, `110105********123X`.
pub fn resident_id(s: &str) -> String {
    keep_ends(s, 6, 4)
}

/// Mobile phone: first 3 (carrier segment) and last 4 shown, `138****5678`.
pub fn phone(s: &str) -> String {
    keep_ends(s, 3, 4)
}

/// Settlement account: first 6 (the issuer's BIN) and last 4 shown, length
/// preserved, `622202*********1234`.
pub fn account(s: &str) -> String {
    keep_ends(s, 6, 4)
}

/// Passport, permit and other document numbers: first 2 and last 2 shown.
pub fn document(s: &str) -> String {
    keep_ends(s, 2, 2)
}

/// Shows `head` characters at the start and `tail` at the end and replaces the
/// rest with `*`, one per character.
fn keep_ends(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = if head + tail + MIN_HIDDEN <= n {
        (head, tail)
    } else {
        (n / 4, n / 4)
    };
    let mut out = String::with_capacity(n);
    out.extend(&chars[..head]);
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn standard_masks_match_the_spec() {
        assert_eq!(resident_id("11010519491231123X"), "110105********123X");
        assert_eq!(phone("13856785678"), "138****5678");
        assert_eq!(account("6222021234567891234"), "622202*********1234");
        assert_eq!(account("6222021234561234"), "622202******1234");
        assert_eq!(document("E12345678"), "E1*****78");
    }

    #[test]
    fn short_values_fall_back_to_a_quarter_at_each_end() {
        assert_eq!(account("12345678"), "12****78");
        assert_eq!(document("AB123"), "A***3");
        assert_eq!(phone("123"), "***");
        assert_eq!(phone(""), "");
    }

    #[test]
    fn masks_count_characters_not_bytes() {
        assert_eq!(document("护照号码一二三四"), "护照****三四");
    }

    proptest! {
        #[test]
        fn resident_id_mask_never_shows_the_birth_date_and_sequence(id in "[0-9]{17}[0-9X]") {
            let masked = resident_id(&id);
            prop_assert_eq!(masked.len(), 18);
            prop_assert_eq!(&masked[6..14], "********");
            prop_assert_eq!(&masked[..6], &id[..6]);
            prop_assert_eq!(&masked[14..], &id[14..]);
        }

        #[test]
        fn phone_mask_never_shows_the_middle_digits(p in "1[3-9][0-9]{9}") {
            let masked = phone(&p);
            prop_assert_eq!(&masked[3..7], "****");
            prop_assert_eq!(masked.len(), 11);
        }

        #[test]
        fn account_mask_hides_all_but_ten_digits_and_keeps_the_length(a in "[0-9]{8,30}") {
            let masked = account(&a);
            prop_assert_eq!(masked.len(), a.len());
            let shown = masked.chars().filter(|c| *c != '*').count();
            prop_assert!(shown <= 10);
            prop_assert!(masked.chars().filter(|c| *c == '*').count() >= 4);
            if a.len() >= 14 {
                prop_assert_eq!(&masked[6..a.len() - 4], "*".repeat(a.len() - 10));
            }
        }

        #[test]
        fn document_mask_hides_at_least_half(d in "[0-9A-Z]{5,20}") {
            let masked = document(&d);
            prop_assert_eq!(masked.len(), d.len());
            prop_assert!(masked.chars().filter(|c| *c == '*').count() * 2 >= d.len());
        }
    }
}
