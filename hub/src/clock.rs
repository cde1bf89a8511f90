//! Wall-clock time in the one text form the store uses.
//!
//! Timestamps are stored as RFC 3339 UTC text with milliseconds
//! (`2026-11-22T03:04:05.678Z`): fixed width, so text order is time order on
//! both SQLite and PostgreSQL.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Now, as stored.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// Today's date in China (UTC+8), the calendar the identity documents use.
pub fn today_in_china() -> time::Date {
    let offset = UtcOffset::from_hms(8, 0, 0).expect("UTC+8 is a valid offset");
    OffsetDateTime::now_utc().to_offset(offset).date()
}

/// An RFC 3339 time with any offset, in the stored form; `None` if `text`
/// is not one.
pub fn parse(text: &str) -> Option<String> {
    OffsetDateTime::parse(text, &Rfc3339).ok().map(format)
}

/// Format a time as stored.
pub fn format(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let at = at
        .replace_nanosecond(at.millisecond() as u32 * 1_000_000)
        .unwrap_or(at);
    let mut text = at.format(&Rfc3339).unwrap_or_default();
    // Rfc3339 drops trailing zero fractions; pad to milliseconds for fixed width.
    if !text.contains('.') {
        text = text.replacen('Z', ".000Z", 1);
    } else if let Some(dot) = text.find('.') {
        let frac_len = text.len() - dot - 2;
        if frac_len < 3 {
            text.insert_str(text.len() - 1, &"0".repeat(3 - frac_len));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_have_fixed_width_milliseconds() {
        assert_eq!(
            format(datetime!(2026-11-22 03:04:05 UTC)),
            "2026-11-22T03:04:05.000Z"
        );
        assert_eq!(
            format(datetime!(2026-11-22 03:04:05.5 UTC)),
            "2026-11-22T03:04:05.500Z"
        );
        assert_eq!(
            format(datetime!(2026-11-22 03:04:05.123456 UTC)),
            "2026-11-22T03:04:05.123Z"
        );
    }
}
