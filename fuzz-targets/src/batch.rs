//! The batch targets: bytes → spool file → [`hub::ingest::read_rows`].
//!
//! The spool directory (extracted zip members) and the photo store live in
//! one temporary directory per process, so an execution costs a file write
//! and no directory set-up. Photos that pass every check are stored in it,
//! as the hub would store them.

use std::io::Write;
use std::sync::LazyLock;

use hub::Limits;
use hub::ingest::{Format, Issue, Parsed, PhotoStore, RowContext, read_rows};
use matcher::{Protected, TokenKey};
use serde_json::Value;
use tempfile::TempDir;

use crate::zip_input;

/// The fields SPEC §4 calls payment-sensitive, as JSON pointers into a row.
const SENSITIVE_POINTERS: &[&str] = &[
    "/legal_rep/id_number",
    "/legal_rep/phone",
    "/contact_phone",
    "/settlement_account/number",
];

/// The same fields as CSV columns (docs/batch-format.md).
const SENSITIVE_COLUMNS: &[&str] = &[
    "legal_rep_id_number",
    "legal_rep_phone",
    "contact_phone",
    "account_number",
];

/// A run of this many digits of a sensitive value in a message is a leak.
/// Shorter runs occur in messages on their own ("18 characters", limits in
/// bytes), and the standard masks show at most 6 digits in a row.
const LEAK_DIGITS: usize = 7;

struct Workspace {
    dir: TempDir,
    photos: PhotoStore,
    limits: Limits,
    key: TokenKey,
}

static WORKSPACE: LazyLock<Workspace> = LazyLock::new(|| {
    let dir = tempfile::Builder::new()
        .prefix("mhub-fuzz-")
        .tempdir()
        .expect("a temporary directory for the fuzz spool");
    let photos = PhotoStore::new(dir.path().join("photos"));
    Workspace {
        dir,
        photos,
        limits: Limits::default(),
        key: TokenKey::from_bytes([7; 32]),
    }
});

/// Read a batch the way an upload is read; batch errors are a normal
/// outcome, only panics (and the properties below) are findings.
fn read(format: Format, body: &[u8]) -> Vec<Parsed> {
    let ws = &*WORKSPACE;
    let mut spooled = tempfile::NamedTempFile::new_in(ws.dir.path()).expect("a spool file");
    spooled.write_all(body).expect("spool write");
    let context = RowContext {
        token_key: &ws.key,
        // A fixed day keeps a finding reproducible (birth dates are checked
        // against today).
        today: time::macros::date!(2026 - 12 - 01),
    };
    let mut parsed = Vec::new();
    // An IngestError refuses the whole upload: expected for broken input.
    let _ = read_rows(
        format,
        spooled.path(),
        ws.dir.path(),
        &ws.limits,
        &context,
        &ws.photos,
        |row| {
            parsed.push(row);
            true
        },
    );
    parsed
}

/// JSONL body (`application/x-ndjson`).
pub fn batch_jsonl(data: &[u8]) {
    let parsed = read(Format::Jsonl, data);
    let sensitive = data
        .split(|b| *b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .flat_map(|row| {
            SENSITIVE_POINTERS
                .iter()
                .filter_map(|p| row.pointer(p).and_then(Value::as_str).map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    assert_no_leak(&parsed, &sensitive);
}

/// CSV body (`text/csv`, `merchants.csv` alone).
pub fn batch_csv(data: &[u8]) {
    let parsed = read(Format::Csv, data);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(data);
    let columns: Vec<usize> = match reader.headers() {
        Ok(headers) => headers
            .iter()
            .enumerate()
            .filter(|(_, h)| SENSITIVE_COLUMNS.contains(&h.trim_start_matches('\u{feff}').trim()))
            .map(|(i, _)| i)
            .collect(),
        Err(_) => Vec::new(),
    };
    let sensitive = reader
        .records()
        .filter_map(Result::ok)
        .flat_map(|record| {
            columns
                .iter()
                .filter_map(|i| record.get(*i).map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>();
    assert_no_leak(&parsed, &sensitive);
}

/// Zip body (`application/zip`): raw archive bytes, or a list of entries
/// that `zip_input::build` turns into an archive.
pub fn batch_zip(data: &[u8]) {
    let archive = zip_input::build(data);
    read(Format::Zip, &archive);
}

/// No issue message and no masked form holds a run of [`LEAK_DIGITS`] of a
/// sensitive value, and no message holds the value as written (SPEC §4).
/// `unknown_field` warnings are exempt: they quote a field *name* the
/// uploader chose. Written forms are not looked for in masks: a value typed
/// in masked form (`138****5678`) would match another row's mask.
fn assert_no_leak(parsed: &[Parsed], sensitive: &[String]) {
    let mut digit_runs = Vec::new();
    let mut written = Vec::new();
    for raw in sensitive {
        let text = matcher::normalise::text(raw);
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= LEAK_DIGITS {
            digit_runs.push(digits);
            written.push(text);
        }
    }
    if digit_runs.is_empty() {
        return;
    }
    let check = |what: &str, text: &str, needles: &[&[String]]| {
        for needle in needles.iter().copied().flatten() {
            assert!(
                !text.contains(needle.as_str()),
                "{what} quotes a sensitive value: {text:?}"
            );
        }
    };
    let check_issues = |issues: &[Issue]| {
        for issue in issues.iter().filter(|i| i.code != "unknown_field") {
            check(issue.code, &issue.message, &[&digit_runs, &written]);
        }
    };
    for item in parsed {
        match item {
            Parsed::Warnings(warnings) => check_issues(warnings),
            Parsed::Row {
                result, warnings, ..
            } => {
                check_issues(warnings);
                match result {
                    Err(errors) => check_issues(errors),
                    Ok((record, _)) => {
                        let protected: [Option<&Protected>; 4] = [
                            Some(&record.legal_rep.id),
                            record.legal_rep.phone.as_ref(),
                            record.contact_phone.as_ref(),
                            Some(&record.settlement_account.number),
                        ];
                        for value in protected.into_iter().flatten() {
                            check("masked form", &value.masked, &[&digit_runs]);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(target: &str, name: &str) -> Vec<u8> {
        let path = format!(
            "{}/../fuzz/corpus/{target}/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn accepted(parsed: &[Parsed]) -> Vec<usize> {
        parsed
            .iter()
            .filter_map(|p| match p {
                Parsed::Row {
                    result: Ok((_, photos)),
                    ..
                } => Some(photos.len()),
                _ => None,
            })
            .collect()
    }

    // A harness that refuses everything (a spool it cannot write, a wrong
    // format) would fuzz nothing but the refusal: the seeds must get through.
    #[test]
    fn the_valid_seeds_reach_accepted_records_and_stored_photos() {
        let jsonl = read(Format::Jsonl, &seed("batch_jsonl", "acq01_two_rows.jsonl"));
        assert_eq!(accepted(&jsonl), vec![0, 0], "{jsonl:?}");
        let csv = read(Format::Csv, &seed("batch_csv", "acq02_three_rows.csv"));
        // The first ACQ02 row is one of the sample's planted bad rows.
        assert_eq!(accepted(&csv).len(), 2, "{csv:?}");
        let zip = read(
            Format::Zip,
            &zip_input::build(&seed("batch_zip", "script_jsonl_with_photo.txt")),
        );
        assert_eq!(accepted(&zip), vec![1], "{zip:?}");
    }

    #[test]
    fn a_row_error_that_quoted_a_phone_would_be_caught() {
        let leaky = Parsed::Row {
            line: 1,
            merchant_id: None,
            result: Err(vec![Issue::error(
                "contact_phone",
                "phone_format",
                "phone 1380013800 is short",
            )]),
            warnings: Vec::new(),
        };
        let caught = std::panic::catch_unwind(|| {
            assert_no_leak(&[leaky], &["138-0013-800".to_owned()]);
        });
        assert!(caught.is_err());
    }
}
