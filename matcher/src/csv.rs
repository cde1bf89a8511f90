//! A tiny CSV reader for the embedded reference tables.
//!
//! The tables are small, fixed at compile time and tested, so a general CSV
//! crate would be weight without benefit. This reader handles what they use:
//! comma separators, LF or CRLF line ends, and double-quoted fields with `""`
//! escapes and embedded commas or newlines.

/// Every record of `text` after the header row, as owned fields.
pub(crate) fn records(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => in_quotes = false,
            (true, c) => field.push(c),
            (false, '"') => in_quotes = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    // The first row is the header.
    rows.into_iter().skip(1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_commas_quotes_and_newlines() {
        let text = "a,b\r\n1,\"x, \"\"y\"\"\"\n2,\"two\nlines\"\n3,";
        assert_eq!(
            records(text),
            vec![
                vec!["1".to_owned(), "x, \"y\"".to_owned()],
                vec!["2".to_owned(), "two\nlines".to_owned()],
                vec!["3".to_owned(), String::new()],
            ]
        );
    }

    #[test]
    fn a_header_alone_has_no_records() {
        assert!(records("a,b\n").is_empty());
    }
}
