//! Batch ingest: an upload becomes validated, normalised, tokenised merchant
//! versions in one transaction.
//!
//! The path of a batch:
//! 1. the handler streams the body into a spool file (`spool.rs`), hashing it;
//! 2. if this acquirer already sent these exact bytes, the first result is
//!    returned and nothing else happens (idempotent re-upload);
//! 3. a blocking thread reads rows (`source.rs`), validates and tokenises
//!    them (`row.rs`) and checks photos (`photo.rs`), sending results through
//!    a bounded channel, so memory stays flat however large the batch;
//! 4. the async side writes each row into one write transaction and commits
//!    once at the end: a batch is acknowledged only when all of it is durable,
//!    and a crash mid-batch leaves no trace of it.

mod issue;
mod listing;
mod photo;
mod row;
mod source;
mod spool;

use std::sync::Arc;

use matcher::{PhotoRef, TokenKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::mpsc;

use crate::alerts::{AlertChange, BatchMatcher};
use crate::clock;
use crate::config::Limits;
use crate::metrics::{BatchOutcome, Metrics};
use crate::store::{
    BatchCounts, BatchIssueRow, NewBatch, PhotoMeta, Store, StoreError, UpsertOutcome,
};

pub use issue::{BatchIssue, Issue, Severity};
pub use listing::{Listing, MAX_EVIDENCE_CHARS, listing};
pub use photo::{PhotoStore, inspect as inspect_photo};
pub use row::{Context as RowContext, ValidRow, merchant_id_of, validate as validate_row};
pub use source::{Batch, Format, RawRow, open as open_batch};
pub use spool::{Spooled, spool};

/// How many issues a batch result lists inline; the rest are paged from
/// `GET /v1/batches/{id}/errors`.
pub const INLINE_ISSUES: usize = 1000;

/// Why a whole upload was refused. Row problems are not errors: they are
/// [`Issue`]s in the result.
#[derive(Debug, Error)]
pub enum IngestError {
    /// The body is over the limit.
    #[error("upload is over the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit.
        limit: u64,
    },
    /// The client sent nothing for too long.
    #[error("upload stalled: no bytes for {secs} s")]
    BodyStalled {
        /// The idle limit.
        secs: u64,
    },
    /// The client went away or sent a broken body.
    #[error("upload could not be read: {0}")]
    BodyRead(String),
    /// No usable Content-Type.
    #[error(
        "unsupported Content-Type: send application/x-ndjson (JSONL), text/csv or application/zip"
    )]
    UnsupportedMediaType,
    /// Text that is not UTF-8.
    #[error("line {line} is not valid UTF-8: convert the file to UTF-8 (GBK is not accepted)")]
    InvalidEncoding {
        /// The first bad line.
        line: u64,
    },
    /// The zip cannot be read.
    #[error("not a readable zip archive: {0}")]
    ZipInvalid(String),
    /// A zip entry would land outside the batch.
    #[error("zip entry {0:?} escapes the batch (absolute path, .., or a link)")]
    ZipUnsafePath(String),
    /// Too many zip entries.
    #[error("zip has more than {limit} entries")]
    ZipTooManyEntries {
        /// The limit.
        limit: u64,
    },
    /// The zip holds no merchants file.
    #[error("zip holds neither merchants.jsonl nor merchants.csv")]
    ZipNoMerchants,
    /// A CSV file lacks required columns.
    #[error("{file} lacks required columns: {columns}")]
    CsvMissingColumns {
        /// Which file.
        file: &'static str,
        /// Which columns.
        columns: String,
    },
    /// A CSV file cannot be parsed at all.
    #[error("CSV cannot be read: {0}")]
    CsvInvalid(String),
    /// More rows than allowed.
    #[error("batch has more than {limit} rows: split it (mhub upload does this)")]
    TooManyRows {
        /// The limit.
        limit: u64,
    },
    /// No data rows.
    #[error("batch has no rows")]
    Empty,
    /// Only acquirer keys upload batches.
    #[error("only acquirer keys upload batches")]
    NotAnAcquirer,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The candidate index failed.
    #[error(transparent)]
    Linking(#[from] crate::linking::LinkError),
    /// File-system trouble in the spool.
    #[error("spool I/O failed")]
    Io(#[from] std::io::Error),
}

impl IngestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::BodyTooLarge { .. } => "body_too_large",
            IngestError::BodyRead(_) => "body_unreadable",
            IngestError::BodyStalled { .. } => "body_timeout",
            IngestError::UnsupportedMediaType => "unsupported_media_type",
            IngestError::InvalidEncoding { .. } => "invalid_encoding",
            IngestError::ZipInvalid(_) => "zip_invalid",
            IngestError::ZipUnsafePath(_) => "zip_unsafe_path",
            IngestError::ZipTooManyEntries { .. } => "zip_too_many_entries",
            IngestError::ZipNoMerchants => "zip_no_merchants",
            IngestError::CsvMissingColumns { .. } => "csv_missing_columns",
            IngestError::CsvInvalid(_) => "csv_invalid",
            IngestError::TooManyRows { .. } => "too_many_rows",
            IngestError::Empty => "batch_empty",
            IngestError::NotAnAcquirer => "forbidden",
            IngestError::Store(_) | IngestError::Linking(_) | IngestError::Io(_) => "internal",
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> u16 {
        match self {
            IngestError::BodyTooLarge { .. } | IngestError::TooManyRows { .. } => 413,
            IngestError::UnsupportedMediaType => 415,
            IngestError::BodyStalled { .. } => 408,
            IngestError::NotAnAcquirer => 403,
            IngestError::Store(_) | IngestError::Linking(_) | IngestError::Io(_) => 500,
            _ => 400,
        }
    }
}

/// The answer to an upload, stored with the batch and returned again on re-upload.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchResult {
    /// Batch id.
    pub batch_id: i64,
    /// Uploading acquirer.
    pub acquirer: String,
    /// `jsonl`, `csv` or `zip`.
    pub format: String,
    /// SHA-256 of the uploaded bytes.
    pub content_sha256: String,
    /// Whether one bad row would have refused the batch.
    pub all_or_nothing: bool,
    /// When the upload arrived.
    pub received_at: String,
    /// When it was committed.
    pub completed_at: String,
    /// Data rows read.
    pub rows: i64,
    /// Rows stored (created + updated + unchanged).
    pub accepted: i64,
    /// Rows refused.
    pub rejected: i64,
    /// New merchants.
    pub created: i64,
    /// Merchants with a new version.
    pub updated: i64,
    /// Rows identical to the stored version.
    pub unchanged: i64,
    /// Row errors (the first [`INLINE_ISSUES`]).
    pub errors: Vec<BatchIssue>,
    /// Total number of row errors.
    pub error_count: i64,
    /// Warnings (the first [`INLINE_ISSUES`]).
    pub warnings: Vec<BatchIssue>,
    /// Total number of warnings.
    pub warning_count: i64,
    /// Alerts this batch raised, grew or reopened.
    pub alerts: Vec<AlertChange>,
    /// True when this answer replays an earlier upload of the same bytes.
    #[serde(default)]
    pub replayed: bool,
}

/// What ingest needs from the running hub.
#[derive(Clone)]
pub struct Ingestor {
    /// The database.
    pub store: Store,
    /// Token key.
    pub token_key: Arc<TokenKey>,
    /// Photo files.
    pub photos: PhotoStore,
    /// Upload limits.
    pub limits: Arc<Limits>,
    /// Where spooled and extracted files go.
    pub spool_dir: std::path::PathBuf,
    /// Fuzzy linking of the batch's merchants.
    pub linker: crate::linking::Linker,
    /// The near-duplicate photo search.
    pub photos_index: crate::verify::PhotoMatcher,
    /// Location check tolerances.
    pub location: matcher::LocationPolicy,
    /// The active blacklist entries, to screen every row against.
    pub replica: crate::screening::ReplicaHandle,
    /// Counts batches, rows and the alerts they raise once committed.
    pub metrics: Metrics,
}

/// The outcome of an upload that was read.
#[derive(Debug)]
pub enum Outcome {
    /// Stored (possibly with some rows refused), or replayed.
    Stored(Box<BatchResult>),
    /// All-or-nothing was asked and some rows were bad: nothing stored.
    Refused {
        /// Rows read.
        rows: i64,
        /// Row errors (the first [`INLINE_ISSUES`]).
        errors: Vec<BatchIssue>,
        /// Total number of row errors.
        error_count: i64,
    },
}

/// A spooled upload and how to treat it.
pub struct Upload {
    /// The bytes on disk.
    pub spooled: Spooled,
    /// Their format.
    pub format: Format,
    /// Refuse the whole batch if any row is bad.
    pub all_or_nothing: bool,
}

/// What the reading thread sends per row ([`read_rows`]). Rows are by far
/// the common variant, so boxing them to shrink the rare one would only add
/// allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Parsed {
    /// One data row, validated, its photos checked and stored.
    Row {
        /// 1-based line (JSONL) or record line (CSV).
        line: u64,
        /// The row's merchant_id when it could be read, for reports.
        merchant_id: Option<String>,
        /// The record and its photos, or every error of the row.
        result: Result<(matcher::MerchantRecord, Vec<PhotoMeta>), Vec<Issue>>,
        /// Warnings about the row (accepted or not).
        warnings: Vec<Issue>,
    },
    /// Warnings about the batch as a whole.
    Warnings(Vec<Issue>),
}

/// Collects issues: all go to the store, the first few into the result.
struct Issues {
    batch_id: i64,
    seq: i64,
    errors: Vec<BatchIssue>,
    warnings: Vec<BatchIssue>,
    counts: BatchCounts,
    /// Refused rows by error code, each row once under each of its codes
    /// (for the metrics; the counts above have the totals).
    rejected_by_code: std::collections::BTreeMap<&'static str, u64>,
    /// Recorded, not yet written.
    pending: Vec<BatchIssueRow>,
}

impl Issues {
    /// Count an issue and keep it for the store (written by [`flush`](Self::flush)).
    fn record(&mut self, issue: &Issue) {
        self.seq += 1;
        let (list, count, severity) = match issue.severity {
            Severity::Error => (&mut self.errors, &mut self.counts.error_count, "error"),
            Severity::Warning => (
                &mut self.warnings,
                &mut self.counts.warning_count,
                "warning",
            ),
        };
        *count += 1;
        if list.len() < INLINE_ISSUES {
            list.push(BatchIssue::from(issue));
        }
        self.pending.push(BatchIssueRow {
            seq: self.seq,
            severity: severity.to_owned(),
            line: issue.line as i64,
            merchant_id: issue.merchant_id.clone(),
            field: (!issue.field.is_empty()).then(|| issue.field.clone()),
            code: issue.code.to_owned(),
            message: issue.message.clone(),
        });
    }

    /// Write the issues recorded since the last flush.
    async fn flush(&mut self, tx: &mut crate::store::WriteTx) -> Result<(), StoreError> {
        tx.insert_batch_issues(self.batch_id, &self.pending).await?;
        self.pending.clear();
        Ok(())
    }
}

/// A row read from the upload, waiting for its slice to be stored.
struct PendingRow {
    line: u64,
    merchant_id: Option<String>,
    result: Result<(matcher::MerchantRecord, Vec<PhotoMeta>), Vec<Issue>>,
    warnings: Vec<Issue>,
}

/// Rows stored per write ([`crate::store::WriteTx::store_merchants`]): a
/// few statements per slice instead of several per row.
const STORE_SLICE: usize = 1_000;

/// One batch's writing: its transaction state between slices.
struct BatchWriter<'a> {
    acquirer: &'a str,
    batch_id: i64,
    now: &'a str,
    issues: Issues,
    matching: BatchMatcher,
    /// Fields already warned about as unknown: an extra vendor field on
    /// every row is one warning, not a million.
    unknown_fields: std::collections::HashSet<String>,
}

impl BatchWriter<'_> {
    /// Store a slice of rows, then record their issues and counts in row
    /// order and hand the stored records to matching.
    async fn store(
        &mut self,
        tx: &mut crate::store::WriteTx,
        rows: Vec<PendingRow>,
    ) -> Result<(), IngestError> {
        let valid = || rows.iter().filter_map(|row| row.result.as_ref().ok());
        // Photo rows first: merchant_photos refers to them.
        let photos: Vec<&PhotoMeta> = valid().flat_map(|(_, photos)| photos).collect();
        tx.insert_photos(&photos, self.now).await?;
        self.matching.add_photos(&photos);
        let records: Vec<&matcher::MerchantRecord> = valid().map(|(record, _)| record).collect();
        let mut outcomes = tx
            .store_merchants(self.acquirer, self.batch_id, &records, self.now)
            .await?
            .into_iter();
        for row in rows {
            let line = row.line;
            let merchant_id = row.merchant_id.as_deref();
            for warning in row.warnings {
                if warning.code == "unknown_field"
                    && !self.unknown_fields.insert(warning.field.clone())
                {
                    continue;
                }
                self.issues.record(&warning.at(line, merchant_id));
            }
            let row_errors = match row.result {
                Ok((record, _)) => match outcomes.next().ok_or(StoreError::Conflict)? {
                    UpsertOutcome::Created { pk } => {
                        self.issues.counts.created += 1;
                        self.matching.add(tx, pk, record, self.now).await?;
                        Vec::new()
                    }
                    UpsertOutcome::Updated { pk, .. } => {
                        self.issues.counts.updated += 1;
                        self.matching.add(tx, pk, record, self.now).await?;
                        Vec::new()
                    }
                    UpsertOutcome::Unchanged => {
                        self.issues.counts.unchanged += 1;
                        Vec::new()
                    }
                    UpsertOutcome::DuplicateInBatch => vec![Issue::error(
                        "merchant_id",
                        "duplicate_merchant_id",
                        "this merchant_id already appeared earlier in the batch; the first row was kept",
                    )],
                },
                Err(errors) => errors,
            };
            if row_errors.is_empty() {
                self.issues.counts.accepted += 1;
            } else {
                self.issues.counts.rejected += 1;
                let codes: std::collections::BTreeSet<&'static str> =
                    row_errors.iter().map(|error| error.code).collect();
                for code in codes {
                    *self.issues.rejected_by_code.entry(code).or_default() += 1;
                }
                for error in row_errors {
                    self.issues.record(&error.at(line, merchant_id));
                }
            }
        }
        self.issues.flush(tx).await?;
        Ok(())
    }
}

impl Ingestor {
    /// Ingest one spooled upload for `acquirer`.
    #[tracing::instrument(skip(self, upload), fields(sha256 = %upload.spooled.sha256, bytes = upload.spooled.bytes))]
    pub async fn ingest(
        &self,
        acquirer: &str,
        submitted_by: &str,
        upload: Upload,
    ) -> Result<Outcome, IngestError> {
        if let Some(done) = self.replay(acquirer, &upload.spooled.sha256).await? {
            return Ok(Outcome::Stored(Box::new(done)));
        }
        let received_at = clock::now();
        // The blocking thread logs under the request that sent the batch.
        let span = tracing::Span::current();
        let (sender, mut receiver) = mpsc::channel::<Parsed>(256);
        let reader = {
            let token_key = self.token_key.clone();
            let limits = self.limits.clone();
            let photos = self.photos.clone();
            let spool_dir = self.spool_dir.clone();
            let path = upload.spooled.file.path().to_owned();
            let format = upload.format;
            tokio::task::spawn_blocking(move || {
                let _entered = span.enter();
                read_rows(
                    format,
                    &path,
                    &spool_dir,
                    &limits,
                    &row::Context {
                        token_key: &token_key,
                        today: clock::today_in_china(),
                    },
                    &photos,
                    // A closed channel means the writer stopped (an error it
                    // will report): stop reading.
                    |parsed| sender.blocking_send(parsed).is_ok(),
                )
            })
        };

        // The linking session (one batch at a time per hub) and the
        // catch-ups come before the write transaction, never inside it: they
        // read through the pool, so a batch holding a connection while it
        // waits for the session could starve the batch that holds the
        // session of the connection it needs. On PostgreSQL, twelve
        // acquirers uploading at once did exactly that: every upload timed
        // out (503) and none committed (issue 6).
        let sessions = crate::alerts::Sessions {
            linking: self.linker.begin(&self.store).await?,
            photos: {
                self.photos_index.catch_up(&self.store).await?;
                self.photos_index.begin()
            },
        };
        // Entries approved on another hub of the same PostgreSQL count too.
        self.replica.catch_up(&self.store).await?;
        let mut tx = self
            .store
            .begin_tokenised_write(&self.token_key.fingerprint())
            .await?;
        let batch_id = match tx
            .insert_batch(&NewBatch {
                acquirer,
                content_sha256: &upload.spooled.sha256,
                format: upload.format.as_str(),
                all_or_nothing: upload.all_or_nothing,
                submitted_by,
                received_at: &received_at,
            })
            .await
        {
            Ok(id) => id,
            Err(StoreError::Conflict) => {
                // The same bytes were committed by a concurrent upload
                // between our replay check and now: answer with its result.
                tx.rollback().await?;
                drop(receiver);
                let _ = reader.await;
                return match self.replay(acquirer, &upload.spooled.sha256).await? {
                    Some(done) => Ok(Outcome::Stored(Box::new(done))),
                    None => Err(StoreError::Conflict.into()),
                };
            }
            Err(other) => return Err(other.into()),
        };

        let issues = Issues {
            batch_id,
            seq: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            counts: BatchCounts::default(),
            rejected_by_code: Default::default(),
            pending: Vec::new(),
        };
        let now = received_at.clone();
        let matching = BatchMatcher::new(
            format!("batch:{batch_id}"),
            sessions,
            self.location,
            self.replica.clone(),
        );
        let mut writer = BatchWriter {
            acquirer,
            batch_id,
            now: &now,
            issues,
            matching,
            unknown_fields: std::collections::HashSet::new(),
        };
        let mut slice = Vec::with_capacity(STORE_SLICE);
        while let Some(parsed) = receiver.recv().await {
            match parsed {
                Parsed::Warnings(warnings) => {
                    for warning in &warnings {
                        writer.issues.record(warning);
                    }
                }
                Parsed::Row {
                    line,
                    merchant_id,
                    result,
                    warnings,
                } => {
                    writer.issues.counts.rows_total += 1;
                    if writer.issues.counts.rows_total as u64 > self.limits.max_batch_rows {
                        tx.rollback().await?;
                        return Err(IngestError::TooManyRows {
                            limit: self.limits.max_batch_rows,
                        });
                    }
                    slice.push(PendingRow {
                        line,
                        merchant_id,
                        result,
                        warnings,
                    });
                    if slice.len() >= STORE_SLICE {
                        writer.store(&mut tx, std::mem::take(&mut slice)).await?;
                    }
                }
            }
        }
        writer.store(&mut tx, slice).await?;
        let BatchWriter {
            issues, matching, ..
        } = writer;
        match reader.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => {
                tx.rollback().await?;
                return Err(error);
            }
            Err(join) => {
                tx.rollback().await?;
                return Err(IngestError::Io(std::io::Error::other(join.to_string())));
            }
        }
        if issues.counts.rows_total == 0 {
            tx.rollback().await?;
            return Err(IngestError::Empty);
        }
        if upload.all_or_nothing && issues.counts.rejected > 0 {
            tx.rollback().await?;
            self.metrics
                .batch(BatchOutcome::Refused, 0, &issues.rejected_by_code);
            return Ok(Outcome::Refused {
                rows: issues.counts.rows_total,
                errors: issues.errors,
                error_count: issues.counts.error_count,
            });
        }
        // Matching runs in the batch's transaction: the batch and the alerts
        // it raises are committed together, or neither is.
        let (alerts, sessions) = matching.finish(&mut tx, &now).await?;
        let counts = issues.counts;
        let result = BatchResult {
            batch_id,
            acquirer: acquirer.to_owned(),
            format: upload.format.as_str().to_owned(),
            content_sha256: upload.spooled.sha256.clone(),
            all_or_nothing: upload.all_or_nothing,
            received_at,
            completed_at: clock::now(),
            rows: counts.rows_total,
            accepted: counts.accepted,
            rejected: counts.rejected,
            created: counts.created,
            updated: counts.updated,
            unchanged: counts.unchanged,
            errors: issues.errors,
            error_count: counts.error_count,
            warnings: issues.warnings,
            warning_count: counts.warning_count,
            alerts,
            replayed: false,
        };
        let json = serde_json::to_string(&result).map_err(StoreError::from)?;
        tx.finish_batch(batch_id, &result.completed_at, &counts, &json)
            .await?;
        tx.commit().await?;
        self.metrics.batch(
            BatchOutcome::Stored,
            counts.accepted as u64,
            &issues.rejected_by_code,
        );
        self.metrics.alerts_changed(&result.alerts);
        sessions.committed(batch_id).await?;
        tracing::info!(
            batch_id,
            acquirer,
            rows = result.rows,
            accepted = result.accepted,
            rejected = result.rejected,
            "batch committed"
        );
        Ok(Outcome::Stored(Box::new(result)))
    }

    async fn replay(
        &self,
        acquirer: &str,
        sha256: &str,
    ) -> Result<Option<BatchResult>, IngestError> {
        let Some(row) = self.store.find_batch_by_content(acquirer, sha256).await? else {
            return Ok(None);
        };
        let mut result: BatchResult =
            serde_json::from_str(&row.result).map_err(StoreError::from)?;
        result.replayed = true;
        self.metrics
            .batch(BatchOutcome::Replayed, 0, &Default::default());
        Ok(Some(result))
    }
}

/// The reading side: rows in, validated records out, on a blocking thread.
///
/// Everything an upload goes through before the database: the batch is
/// opened ([`open_batch`]), each row read, validated and tokenised
/// ([`validate_row`]), and its photos fetched from the zip, checked
/// ([`inspect_photo`]) and put in `photos`. Each result goes to `emit`,
/// which returns `false` to stop reading. [`Ingestor::ingest`] runs it with
/// a channel to the writing side; it is public so that the fuzz targets
/// (`fuzz/`) and their corpus regression test drive this exact path, with
/// the configured limits, without a store.
pub fn read_rows(
    format: Format,
    path: &std::path::Path,
    spool_dir: &std::path::Path,
    limits: &Limits,
    context: &RowContext<'_>,
    photos: &PhotoStore,
    mut emit: impl FnMut(Parsed) -> bool,
) -> Result<(), IngestError> {
    let mut batch = source::open(format, path, spool_dir, limits)?;
    if !batch.warnings.is_empty() && !emit(Parsed::Warnings(std::mem::take(&mut batch.warnings))) {
        return Ok(());
    }
    let mut rows_read = 0u64;
    while let Some(raw) = batch.next_row()? {
        rows_read += 1;
        if rows_read > limits.max_batch_rows {
            return Err(IngestError::TooManyRows {
                limit: limits.max_batch_rows,
            });
        }
        let mut warnings = Vec::new();
        let (merchant_id, result) = match raw.value {
            Err(issue) => (None, Err(vec![issue])),
            Ok(value) => {
                let merchant_id = row::merchant_id_of(&value);
                let result = row::validate(&value, context, &mut warnings)
                    .and_then(|valid| load_photos(&mut batch, valid, limits, photos));
                (merchant_id, result)
            }
        };
        let parsed = Parsed::Row {
            line: raw.line,
            merchant_id,
            result,
            warnings,
        };
        if !emit(parsed) {
            return Ok(());
        }
    }
    Ok(())
}

/// Fetch, check and store the photos of a valid row.
fn load_photos(
    batch: &mut source::Batch,
    valid: row::ValidRow,
    limits: &Limits,
    store: &PhotoStore,
) -> Result<(matcher::MerchantRecord, Vec<PhotoMeta>), Vec<Issue>> {
    let mut record = valid.record;
    let mut metas = Vec::new();
    let mut errors = Vec::new();
    for request in &valid.photos {
        let checked = batch
            .photo(&request.file, &request.field, limits)
            .and_then(|bytes| {
                let meta = photo::inspect(&bytes, limits, &request.field)?;
                store.put(&meta.sha256, &bytes).map_err(|e| {
                    Issue::error(
                        &request.field,
                        "photo_store_failed",
                        format!("photo could not be stored: {e}"),
                    )
                })?;
                Ok(meta)
            });
        match checked {
            Ok(meta) => {
                record.photos.push(PhotoRef {
                    kind: request.kind,
                    sha256: meta.sha256.clone(),
                    gps: meta.gps,
                    taken_at: meta.taken_at.clone(),
                });
                metas.push(meta);
            }
            Err(issue) => errors.push(issue),
        }
    }
    if errors.is_empty() {
        Ok((record, metas))
    } else {
        Err(errors)
    }
}
