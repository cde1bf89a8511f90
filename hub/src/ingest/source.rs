//! Reading rows out of an upload: JSONL, a CSV pair, or a zip holding either
//! plus `photos/`. Runs on a blocking thread.
//!
//! Whatever the format, each row comes out as a JSON value in the §3 shape,
//! so one validator serves all of them. Problems that make the whole upload
//! unreadable (bad zip, unsafe entry name, missing CSV columns, wrong text
//! encoding) are batch errors; problems with one row are row errors.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::{Component, Path};

use serde_json::{Map, Value};
use tempfile::NamedTempFile;
use zip::ZipArchive;

use super::IngestError;
use super::issue::Issue;
use crate::config::Limits;

/// The upload formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// `merchants.csv` alone (terminals need the zip form).
    Csv,
    /// A zip with `merchants.jsonl` or `merchants.csv` (+ `terminals.csv`) and `photos/`.
    Zip,
}

impl Format {
    /// Recognise a `Content-Type` (parameters such as `charset` are ignored).
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "application/x-ndjson"
            | "application/jsonl"
            | "application/json-lines"
            | "application/x-jsonlines" => Some(Format::Jsonl),
            "text/csv" => Some(Format::Csv),
            "application/zip" | "application/x-zip-compressed" => Some(Format::Zip),
            _ => None,
        }
    }

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Zip => "zip",
        }
    }
}

/// One row as read from the file.
pub struct RawRow {
    /// 1-based line (JSONL) or record line (CSV).
    pub line: u64,
    /// The row in §3 shape, or why it could not be read.
    pub value: Result<Value, Issue>,
}

/// An opened upload: rows to iterate, photos to fetch.
pub struct Batch {
    rows: Rows,
    photos: Option<Photos>,
    /// Warnings about the batch as a whole (unknown CSV columns).
    pub warnings: Vec<Issue>,
    // Extracted members of a zip live as long as the batch.
    _extracted: Vec<NamedTempFile>,
}

struct Photos {
    archive: ZipArchive<File>,
    /// Folder inside the zip that holds the batch (empty, or `name/`).
    prefix: String,
}

enum Rows {
    Jsonl {
        reader: BufReader<File>,
        line: u64,
        max_row_bytes: u64,
    },
    Csv {
        records: csv::StringRecordsIntoIter<RecordLimit<File>>,
        headers: Vec<String>,
        terminals: HashMap<String, Vec<Value>>,
    },
}

use matcher::{
    MERCHANT_CSV_COLUMNS as MERCHANT_COLUMNS,
    REQUIRED_MERCHANT_CSV_COLUMNS as REQUIRED_MERCHANT_COLUMNS,
    TERMINAL_CSV_COLUMNS as TERMINAL_COLUMNS,
};

/// Open a spooled upload.
pub fn open(
    format: Format,
    path: &Path,
    spool_dir: &Path,
    limits: &Limits,
) -> Result<Batch, IngestError> {
    match format {
        Format::Jsonl => Ok(Batch {
            rows: jsonl(File::open(path)?, limits),
            photos: None,
            warnings: Vec::new(),
            _extracted: Vec::new(),
        }),
        Format::Csv => {
            let (rows, warnings) = csv_rows(File::open(path)?, None, limits)?;
            Ok(Batch {
                rows,
                photos: None,
                warnings,
                _extracted: Vec::new(),
            })
        }
        Format::Zip => open_zip(path, spool_dir, limits),
    }
}

fn jsonl(file: File, limits: &Limits) -> Rows {
    Rows::Jsonl {
        reader: BufReader::with_capacity(1 << 16, file),
        line: 0,
        max_row_bytes: limits.max_row_bytes,
    }
}

/// A zip entry name that stays inside the batch: relative, no `..`, no
/// drive or root, no backslashes (which some unzip tools treat as separators).
fn safe_entry_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains('\\')
        && !name.contains('\0')
        && Path::new(name)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn open_zip(path: &Path, spool_dir: &Path, limits: &Limits) -> Result<Batch, IngestError> {
    let mut archive =
        ZipArchive::new(File::open(path)?).map_err(|e| IngestError::ZipInvalid(e.to_string()))?;
    if archive.len() as u64 > limits.max_zip_entries {
        return Err(IngestError::ZipTooManyEntries {
            limit: limits.max_zip_entries,
        });
    }
    let mut names = HashSet::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index_raw(index)
            .map_err(|e| IngestError::ZipInvalid(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| IngestError::ZipInvalid(e.to_string()))?
            .into_owned();
        if !safe_entry_name(&name) || entry.is_symlink() {
            return Err(IngestError::ZipUnsafePath(name));
        }
        names.insert(name);
    }
    // The batch may sit at the top of the zip or inside one folder.
    let prefix = [""]
        .into_iter()
        .map(str::to_owned)
        .chain(
            names
                .iter()
                .filter_map(|n| n.split_once('/').map(|(top, _)| format!("{top}/"))),
        )
        .find(|prefix| {
            names.contains(&format!("{prefix}merchants.jsonl"))
                || names.contains(&format!("{prefix}merchants.csv"))
        })
        .ok_or(IngestError::ZipNoMerchants)?;

    let mut extracted = Vec::new();
    let mut extract =
        |archive: &mut ZipArchive<File>, name: &str| -> Result<Option<File>, IngestError> {
            let Ok(mut entry) = archive.by_name(name) else {
                return Ok(None);
            };
            let mut out = NamedTempFile::new_in(spool_dir)?;
            // A zip bomb stops at the body limit.
            let copied = std::io::copy(
                &mut (&mut entry).take(limits.max_body_bytes + 1),
                out.as_file_mut(),
            )
            .map_err(|e| IngestError::ZipInvalid(e.to_string()))?;
            if copied > limits.max_body_bytes {
                return Err(IngestError::BodyTooLarge {
                    limit: limits.max_body_bytes,
                });
            }
            out.as_file_mut().rewind()?;
            let file = out.reopen()?;
            extracted.push(out);
            Ok(Some(file))
        };
    let (rows, warnings) =
        if let Some(file) = extract(&mut archive, &format!("{prefix}merchants.jsonl"))? {
            (jsonl(file, limits), Vec::new())
        } else {
            let merchants = extract(&mut archive, &format!("{prefix}merchants.csv"))?
                .ok_or(IngestError::ZipNoMerchants)?;
            let terminals = extract(&mut archive, &format!("{prefix}terminals.csv"))?;
            csv_rows(merchants, terminals, limits)?
        };
    Ok(Batch {
        rows,
        photos: Some(Photos { archive, prefix }),
        warnings,
        _extracted: extracted,
    })
}

fn csv_reader(file: File, limits: &Limits) -> csv::Reader<RecordLimit<File>> {
    csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(RecordLimit::new(file, limits.max_row_bytes))
}

/// Where a CSV reader is in a record, for [`RecordLimit`]: the quoting
/// rules of the `csv` reader as configured here (`"` quotes a field it
/// starts, `""` inside quotes is a quote, `,` separates, `\r` or `\n` ends
/// a record outside quotes).
#[derive(Debug, Clone, Copy)]
enum CsvState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Refuses a CSV record longer than `limits.max_row_bytes` while it is read.
///
/// The `csv` reader holds a whole record in memory and has no limit of its
/// own, so without this one quoted field (or a file without a record end)
/// up to the body limit would be held at once. Tracking the quote state
/// here finds record ends exactly (a quoted field may span lines); when a
/// record passes the limit every further read fails, and the upload is
/// refused as unreadable CSV.
struct RecordLimit<R> {
    inner: R,
    limit: u64,
    state: CsvState,
    /// Bytes of the current record so far.
    record_bytes: u64,
    /// 1-based line of the next byte, and the line the current record began on.
    line: u64,
    record_line: u64,
    exceeded: bool,
}

impl<R> RecordLimit<R> {
    fn new(inner: R, limit: u64) -> Self {
        RecordLimit {
            inner,
            limit,
            state: CsvState::FieldStart,
            record_bytes: 0,
            line: 1,
            record_line: 1,
            exceeded: false,
        }
    }

    fn too_long(&self) -> std::io::Error {
        std::io::Error::other(format!(
            "the record at line {} is longer than {} bytes (limits.max_row_bytes)",
            self.record_line, self.limit
        ))
    }
}

impl<R: Read> Read for RecordLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.exceeded {
            return Err(self.too_long());
        }
        let n = self.inner.read(buf)?;
        for &byte in &buf[..n] {
            if byte == b'\n' {
                self.line += 1;
            }
            let (state, ends_record) = match (self.state, byte) {
                (CsvState::Quoted, b'"') => (CsvState::QuoteInQuoted, false),
                (CsvState::Quoted, _) => (CsvState::Quoted, false),
                (CsvState::FieldStart | CsvState::QuoteInQuoted, b'"') => (CsvState::Quoted, false),
                (_, b',') => (CsvState::FieldStart, false),
                (_, b'\n' | b'\r') => (CsvState::FieldStart, true),
                _ => (CsvState::Unquoted, false),
            };
            self.state = state;
            if ends_record {
                self.record_bytes = 0;
                self.record_line = self.line;
            } else {
                self.record_bytes += 1;
                if self.record_bytes > self.limit {
                    self.exceeded = true;
                    return Err(self.too_long());
                }
            }
        }
        Ok(n)
    }
}

fn read_headers(
    reader: &mut csv::Reader<RecordLimit<File>>,
    file_name: &str,
) -> Result<Vec<String>, IngestError> {
    let headers = reader.headers().map_err(|e| csv_error(e, file_name))?;
    Ok(headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect())
}

fn csv_error(error: csv::Error, file_name: &str) -> IngestError {
    match error.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => IngestError::InvalidEncoding {
            line: pos.as_ref().map_or(0, |p| p.line()),
        },
        _ => IngestError::CsvInvalid(format!("{file_name}: {error}")),
    }
}

fn csv_rows(
    merchants: File,
    terminals: Option<File>,
    limits: &Limits,
) -> Result<(Rows, Vec<Issue>), IngestError> {
    let mut reader = csv_reader(merchants, limits);
    let headers = read_headers(&mut reader, "merchants.csv")?;
    let missing: Vec<&str> = REQUIRED_MERCHANT_COLUMNS
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(IngestError::CsvMissingColumns {
            file: "merchants.csv",
            columns: missing.join(", "),
        });
    }
    let warnings = headers
        .iter()
        .filter(|h| !MERCHANT_COLUMNS.contains(&h.as_str()))
        .map(|h| {
            Issue::warning(
                h.clone(),
                "unknown_field",
                format!("column {h:?} is not in the batch format and was ignored"),
            )
        })
        .collect();
    // terminals.csv is keyed by merchant_id, so it is read whole; its size is
    // bounded by the body limit. (Large batches should use JSONL, where each
    // row carries its terminals.)
    let mut by_merchant: HashMap<String, Vec<Value>> = HashMap::new();
    if let Some(file) = terminals {
        let mut reader = csv_reader(file, limits);
        let headers = read_headers(&mut reader, "terminals.csv")?;
        let missing: Vec<&str> = ["merchant_id", "terminal_id"]
            .into_iter()
            .filter(|c| !headers.iter().any(|h| h == c))
            .collect();
        if !missing.is_empty() {
            return Err(IngestError::CsvMissingColumns {
                file: "terminals.csv",
                columns: missing.join(", "),
            });
        }
        for record in reader.into_records() {
            let record = record.map_err(|e| csv_error(e, "terminals.csv"))?;
            let mut terminal = Map::new();
            let mut merchant_id = String::new();
            for (header, cell) in headers.iter().zip(record.iter()) {
                if header == "merchant_id" {
                    merchant_id = matcher::normalise::text(cell).to_ascii_uppercase();
                } else if TERMINAL_COLUMNS.contains(&header.as_str()) && !cell.trim().is_empty() {
                    terminal.insert(header.clone(), cell_value(header, cell));
                }
            }
            by_merchant
                .entry(merchant_id)
                .or_default()
                .push(Value::Object(terminal));
        }
    }
    Ok((
        Rows::Csv {
            records: reader.into_records(),
            headers,
            terminals: by_merchant,
        },
        warnings,
    ))
}

/// Coordinates are numbers in the §3 shape; a cell that does not parse stays
/// a string so the validator reports `wrong_type`.
fn cell_value(header: &str, cell: &str) -> Value {
    if matches!(header, "lat" | "lng")
        && let Ok(number) = cell.trim().parse::<f64>()
        && let Some(number) = serde_json::Number::from_f64(number)
    {
        return Value::Number(number);
    }
    Value::String(cell.to_owned())
}

/// Turn one CSV record into the §3 JSON shape.
fn csv_to_row(headers: &[String], record: &csv::StringRecord) -> Value {
    let mut row = Map::new();
    let mut legal_rep = Map::new();
    let mut account = Map::new();
    for (header, cell) in headers.iter().zip(record.iter()) {
        if cell.trim().is_empty() {
            continue;
        }
        let value = cell_value(header, cell);
        match header.as_str() {
            "legal_rep_name" => legal_rep.insert("name".into(), value),
            "legal_rep_id_type" => legal_rep.insert("id_type".into(), value),
            "legal_rep_id_number" => legal_rep.insert("id_number".into(), value),
            "legal_rep_phone" => legal_rep.insert("phone".into(), value),
            "account_number" => account.insert("number".into(), value),
            "account_name" => account.insert("name".into(), value),
            "account_bank" => account.insert("bank".into(), value),
            "account_kind" => account.insert("kind".into(), value),
            "photos" => {
                let photos = cell
                    .split(';')
                    .filter(|p| !p.trim().is_empty())
                    .map(|p| match p.split_once(':') {
                        Some((kind, file)) => {
                            serde_json::json!({"kind": kind.trim(), "file": file.trim()})
                        }
                        None => serde_json::json!({"kind": null, "file": p.trim()}),
                    })
                    .collect();
                row.insert("photos".into(), Value::Array(photos))
            }
            // Unknown columns were reported once at the header.
            other if MERCHANT_COLUMNS.contains(&other) => row.insert(other.to_owned(), value),
            _ => None,
        };
    }
    if !legal_rep.is_empty() {
        row.insert("legal_rep".into(), Value::Object(legal_rep));
    }
    if !account.is_empty() {
        row.insert("settlement_account".into(), Value::Object(account));
    }
    Value::Object(row)
}

impl Batch {
    /// The next row, `Ok(None)` at the end, or a batch error.
    pub fn next_row(&mut self) -> Result<Option<RawRow>, IngestError> {
        match &mut self.rows {
            Rows::Jsonl {
                reader,
                line,
                max_row_bytes,
            } => loop {
                let mut buf = Vec::new();
                let read = reader
                    .by_ref()
                    .take(*max_row_bytes + 1)
                    .read_until(b'\n', &mut buf)?;
                if read == 0 {
                    return Ok(None);
                }
                *line += 1;
                if buf.len() as u64 > *max_row_bytes && buf.last() != Some(&b'\n') {
                    // Skip the rest of the over-long line without holding
                    // it: a body of one 2 GiB line must not cost 2 GiB.
                    reader.skip_until(b'\n')?;
                    return Ok(Some(RawRow {
                        line: *line,
                        value: Err(Issue::error(
                            "",
                            "row_too_long",
                            format!("row is longer than {max_row_bytes} bytes"),
                        )),
                    }));
                }
                let text = std::str::from_utf8(&buf)
                    .map_err(|_| IngestError::InvalidEncoding { line: *line })?;
                let text = if *line == 1 {
                    text.trim_start_matches('\u{feff}')
                } else {
                    text
                };
                if text.trim().is_empty() {
                    continue;
                }
                let value = serde_json::from_str::<Value>(text).map_err(|e| {
                    Issue::error("", "malformed_json", format!("row is not valid JSON: {e}"))
                });
                return Ok(Some(RawRow { line: *line, value }));
            },
            Rows::Csv {
                records,
                headers,
                terminals,
            } => {
                let Some(record) = records.next() else {
                    return Ok(None);
                };
                let record = match record {
                    Ok(record) => record,
                    Err(error) => {
                        let line = error.position().map_or(0, |p| p.line());
                        return match error.kind() {
                            csv::ErrorKind::Utf8 { .. } => {
                                Err(IngestError::InvalidEncoding { line })
                            }
                            // The spool cannot be read, or a record is over
                            // the row limit (RecordLimit): what follows
                            // cannot be read as records.
                            csv::ErrorKind::Io(_) => Err(csv_error(error, "merchants.csv")),
                            _ => Ok(Some(RawRow {
                                line,
                                value: Err(Issue::error(
                                    "",
                                    "csv_row_invalid",
                                    format!("CSV record cannot be read: {error}"),
                                )),
                            })),
                        };
                    }
                };
                let line = record.position().map_or(0, |p| p.line());
                let mut value = csv_to_row(headers, &record);
                if let Some(id) = super::row::merchant_id_of(&value)
                    && let Some(found) = terminals.remove(&id)
                {
                    value["terminals"] = Value::Array(found);
                }
                Ok(Some(RawRow {
                    line,
                    value: Ok(value),
                }))
            }
        }
    }

    /// The bytes of a photo the row names, read with the byte limit.
    pub fn photo(&mut self, file: &str, field: &str, limits: &Limits) -> Result<Vec<u8>, Issue> {
        let Some(photos) = &mut self.photos else {
            return Err(Issue::error(
                field,
                "photo_missing",
                "photos can only be sent inside a zip batch with a photos/ folder",
            ));
        };
        if !safe_entry_name(file) {
            return Err(Issue::error(
                field,
                "photo_unsafe_path",
                "photo path must be relative to the batch and stay inside it",
            ));
        }
        let name = format!("{}{file}", photos.prefix);
        let mut entry = photos.archive.by_name(&name).map_err(|_| {
            Issue::error(
                field,
                "photo_missing",
                format!("{file} is not in the batch"),
            )
        })?;
        if entry.size() > limits.max_photo_bytes {
            return Err(Issue::error(
                field,
                "photo_too_large",
                format!(
                    "photo is {} bytes; the limit is {}",
                    entry.size(),
                    limits.max_photo_bytes
                ),
            ));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(limits.max_photo_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                Issue::error(
                    field,
                    "photo_undecodable",
                    format!("cannot read {file}: {e}"),
                )
            })?;
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row a spooled JSONL body yields, as (line, code or "ok").
    fn jsonl_rows(body: &[u8], limits: &Limits) -> Vec<(u64, &'static str)> {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, body).unwrap();
        file.rewind().unwrap();
        let mut batch = Batch {
            rows: jsonl(file, limits),
            photos: None,
            warnings: Vec::new(),
            _extracted: Vec::new(),
        };
        let mut rows = Vec::new();
        while let Some(row) = batch.next_row().unwrap() {
            rows.push((row.line, row.value.err().map_or("ok", |issue| issue.code)));
        }
        rows
    }

    fn csv_file(body: &str) -> File {
        let mut file = tempfile::tempfile().unwrap();
        std::io::Write::write_all(&mut file, body.as_bytes()).unwrap();
        file.rewind().unwrap();
        file
    }

    /// The records of a merchants.csv body, or the batch error.
    fn csv_records(body: &str, limits: &Limits) -> Result<usize, IngestError> {
        let (rows, _) = csv_rows(csv_file(body), None, limits)?;
        let mut batch = Batch {
            rows,
            photos: None,
            warnings: Vec::new(),
            _extracted: Vec::new(),
        };
        let mut count = 0;
        while batch.next_row()?.is_some() {
            count += 1;
        }
        Ok(count)
    }

    #[test]
    fn a_csv_record_over_the_row_limit_refuses_the_batch_before_it_is_held() {
        // Issue 6 (fuzzing review): the csv reader held any record whole,
        // up to the body limit; max_row_bytes applied to JSONL only.
        let limits = Limits {
            max_row_bytes: 200,
            ..Limits::default()
        };
        let header = REQUIRED_MERCHANT_COLUMNS.join(",");
        let cells = |first: &str| {
            std::iter::once(first.to_owned())
                .chain((1..REQUIRED_MERCHANT_COLUMNS.len()).map(|i| format!("c{i}")))
                .collect::<Vec<_>>()
                .join(",")
        };
        // Quoted newlines and doubled quotes stay inside one record.
        let fine = format!(
            "{header}\r\n{}\r\n{}\n",
            cells("\"a\nb\"\"c\""),
            cells("plain")
        );
        assert_eq!(csv_records(&fine, &limits).unwrap(), 2);
        // One quoted field of many short lines is one long record.
        let long = format!(
            "{header}\n{}\n{}\n",
            cells("ok"),
            cells(&format!("\"{}\"", "x\n".repeat(5000)))
        );
        match csv_records(&long, &limits) {
            Err(IngestError::CsvInvalid(message)) => {
                assert!(message.contains("line 3"), "{message}");
                assert!(message.contains("longer than 200 bytes"), "{message}");
            }
            other => panic!("expected csv_invalid, got {other:?}"),
        }
        // The limit holds for the header and for terminals.csv too.
        let wide_header = format!("{header},{}\n", "x".repeat(300));
        assert!(matches!(
            csv_records(&wide_header, &limits),
            Err(IngestError::CsvInvalid(_))
        ));
        let terminals = format!("merchant_id,terminal_id\nm1,\"{}\"\n", "t".repeat(300));
        assert!(matches!(
            csv_rows(csv_file(&fine), Some(csv_file(&terminals)), &limits),
            Err(IngestError::CsvInvalid(_))
        ));
    }

    #[test]
    fn an_over_long_jsonl_line_is_one_row_error_and_reading_goes_on() {
        // Issue 6 (fuzzing review): the rest of an over-long line used to be
        // read into memory to skip it; it is skipped in place now.
        let limits = Limits {
            max_row_bytes: 64,
            ..Limits::default()
        };
        let long = format!("{{\"name\":\"{}\"}}", "x".repeat(1 << 20));
        let body = format!("{{}}\n{long}\n{{\"a\":1}}\n{long}");
        assert_eq!(
            jsonl_rows(body.as_bytes(), &limits),
            vec![
                (1, "ok"),
                (2, "row_too_long"),
                (3, "ok"),
                (4, "row_too_long")
            ]
        );
    }

    #[test]
    fn entry_names_that_escape_the_batch_are_unsafe() {
        assert!(safe_entry_name("photos/a.jpg"));
        assert!(safe_entry_name("batch/merchants.jsonl"));
        for bad in [
            "../evil",
            "photos/../../x",
            "/etc/passwd",
            "a\\..\\b",
            "",
            "./a/../..",
        ] {
            assert!(!safe_entry_name(bad), "{bad}");
        }
    }

    #[test]
    fn content_types_select_the_format() {
        assert_eq!(
            Format::from_content_type("application/x-ndjson"),
            Some(Format::Jsonl)
        );
        assert_eq!(
            Format::from_content_type("text/csv; charset=utf-8"),
            Some(Format::Csv)
        );
        assert_eq!(
            Format::from_content_type("application/zip"),
            Some(Format::Zip)
        );
        assert_eq!(Format::from_content_type("application/pdf"), None);
    }
}
