//! Prospective merchant records in, screening answers out: the part of
//! screening that needs no store, shared by `POST /v1/screen` and by a
//! member's offline `mhub feed screen`, so both read a record the same way
//! and answer in the same shape.

use std::path::Path;

use feed::Replica;
use matcher::{Decision, Hit, MerchantRecord, TokenKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Limits;
use crate::ingest::{BatchIssue, Format, IngestError, Issue};

/// A row as read from a file: its line, and the §3 object or why it could
/// not be read.
pub type FileRow = (u64, Result<Value, Issue>);

/// One record read and validated, with where it came from.
#[derive(Debug)]
pub struct Candidate {
    /// 1-based position: the line in a file, the index in a request.
    pub line: u64,
    /// The record's merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// The validated record, or every problem with it.
    pub record: Result<MerchantRecord, Vec<BatchIssue>>,
}

/// The screening answer for one record (one line of `mhub screen --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordScreening {
    /// 1-based position of the record in the request or file.
    pub line: u64,
    /// Its merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// `clear`, `review` or `blocked`; absent when the record is invalid.
    pub decision: Option<Decision>,
    /// The entries that concern it, strongest first.
    pub hits: Vec<Hit>,
    /// Why the record could not be screened (empty when it was).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<BatchIssue>,
    /// What the hub already holds about the same people and identifiers
    /// (online screening only: a mirror holds no merchants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<super::links::ExistingLinks>,
}

impl RecordScreening {
    /// The answer for a record that could not be screened.
    pub fn invalid(
        line: u64,
        merchant_id: Option<String>,
        errors: Vec<BatchIssue>,
    ) -> RecordScreening {
        RecordScreening {
            line,
            merchant_id,
            decision: None,
            hits: Vec::new(),
            errors,
            existing: None,
        }
    }
}

/// Validate prospective records given as §3 JSON objects. `rows` pairs each
/// with its position; a row that could not even be read carries its issue.
pub fn validate(
    rows: impl IntoIterator<Item = FileRow>,
    token_key: &TokenKey,
    today: time::Date,
) -> Vec<Candidate> {
    let context = crate::ingest::RowContext { token_key, today };
    rows.into_iter()
        .map(|(line, value)| {
            let (merchant_id, record) = match value {
                Err(issue) => (None, Err(vec![issue])),
                Ok(value) => {
                    let merchant_id = crate::ingest::merchant_id_of(&value);
                    // Warnings (unknown fields) do not stop a screen.
                    let mut warnings = Vec::new();
                    let record = crate::ingest::validate_row(&value, &context, &mut warnings)
                        .map(|valid| valid.record);
                    (merchant_id, record)
                }
            };
            let record = record.map_err(|issues| {
                issues
                    .into_iter()
                    .map(|i| BatchIssue::from(&i.at(line, merchant_id.as_deref())))
                    .collect()
            });
            Candidate {
                line,
                merchant_id,
                record,
            }
        })
        .collect()
}

/// Screen validated records against the replica's active entries.
pub fn screen(replica: &Replica, candidates: &[Candidate]) -> Vec<RecordScreening> {
    candidates
        .iter()
        .map(|c| match &c.record {
            Ok(record) => {
                let screening = replica.screen(record);
                RecordScreening {
                    line: c.line,
                    merchant_id: c.merchant_id.clone(),
                    decision: Some(screening.decision),
                    hits: screening.hits,
                    errors: Vec::new(),
                    existing: None,
                }
            }
            Err(errors) => RecordScreening::invalid(c.line, c.merchant_id.clone(), errors.clone()),
        })
        .collect()
}

/// Read the rows of a batch file (`.jsonl`, `.csv`, or a `.zip` holding
/// either; photos are not needed to screen) for screening.
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<FileRow>, IngestError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let format = if name.ends_with(".csv") {
        Format::Csv
    } else if name.ends_with(".zip") {
        Format::Zip
    } else {
        Format::Jsonl
    };
    let spool = std::env::temp_dir();
    let mut batch = crate::ingest::open_batch(format, path, &spool, limits)?;
    let mut rows = Vec::new();
    while let Some(row) = batch.next_row()? {
        if rows.len() as u64 >= limits.max_batch_rows {
            return Err(IngestError::TooManyRows {
                limit: limits.max_batch_rows,
            });
        }
        rows.push((row.line, row.value));
    }
    Ok(rows)
}
