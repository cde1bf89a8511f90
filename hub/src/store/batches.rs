//! Batches and their per-row errors and warnings.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows};
use super::{Store, StoreError, WriteTx};

/// A completed batch as stored.
#[derive(Debug, Clone)]
pub struct BatchRow {
    /// Batch id.
    pub id: i64,
    /// Uploading acquirer.
    pub acquirer: String,
    /// SHA-256 of the uploaded bytes.
    pub content_sha256: String,
    /// The JSON batch result returned to the uploader.
    pub result: String,
}

/// What is known about a batch when its processing starts.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    /// Uploading acquirer.
    pub acquirer: &'a str,
    /// SHA-256 of the uploaded bytes.
    pub content_sha256: &'a str,
    /// `jsonl`, `csv` or `zip`.
    pub format: &'a str,
    /// Whether one bad row rejects the whole batch.
    pub all_or_nothing: bool,
    /// Key id of the uploader.
    pub submitted_by: &'a str,
    /// When the upload arrived.
    pub received_at: &'a str,
}

/// The figures of a finished batch.
#[derive(Debug, Clone, Default)]
pub struct BatchCounts {
    /// Data rows read.
    pub rows_total: i64,
    /// Rows stored (created, updated or unchanged).
    pub accepted: i64,
    /// Rows refused.
    pub rejected: i64,
    /// New merchants.
    pub created: i64,
    /// Merchants that got a new version.
    pub updated: i64,
    /// Rows identical to the stored version.
    pub unchanged: i64,
    /// Errors recorded.
    pub error_count: i64,
    /// Warnings recorded.
    pub warning_count: i64,
}

/// One error or warning about one row.
#[derive(Debug, Clone)]
pub struct BatchIssueRow {
    /// Position in the batch's issue list.
    pub seq: i64,
    /// `error` or `warning`.
    pub severity: String,
    /// 1-based line (JSONL/CSV) of the row; 0 for the batch as a whole.
    pub line: i64,
    /// The row's merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// The field at fault.
    pub field: Option<String>,
    /// Machine-readable code.
    pub code: String,
    /// Human-readable message (never a raw sensitive value).
    pub message: String,
}

fn batch_row(row: &AnyRow) -> Result<BatchRow, sqlx::Error> {
    Ok(BatchRow {
        id: row.try_get("id")?,
        acquirer: row.try_get("acquirer")?,
        content_sha256: row.try_get("content_sha256")?,
        result: row.try_get("result")?,
    })
}

impl Store {
    /// The batch an acquirer already uploaded with these exact bytes.
    pub async fn find_batch_by_content(
        &self,
        acquirer: &str,
        content_sha256: &str,
    ) -> Result<Option<BatchRow>, StoreError> {
        let row = sqlx::query(
            "SELECT id, acquirer, content_sha256, result FROM batches \
             WHERE acquirer = $1 AND content_sha256 = $2",
        )
        .bind(acquirer)
        .bind(content_sha256)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(batch_row).transpose()?)
    }

    /// One batch by id.
    pub async fn get_batch(&self, id: i64) -> Result<Option<BatchRow>, StoreError> {
        let row =
            sqlx::query("SELECT id, acquirer, content_sha256, result FROM batches WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(batch_row).transpose()?)
    }

    /// Batches newest first, optionally of one acquirer, older than `before` (an id).
    pub async fn list_batches(
        &self,
        acquirer: Option<&str>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<BatchRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, acquirer, content_sha256, result FROM batches \
             WHERE ($1 IS NULL OR acquirer = $1) AND ($2 IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(acquirer)
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(batch_row).collect::<Result<_, _>>()?)
    }

    /// Issues of a batch in order, after position `after`.
    pub async fn list_batch_issues(
        &self,
        batch_id: i64,
        after: i64,
        limit: i64,
    ) -> Result<Vec<BatchIssueRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, severity, line, merchant_id, field, code, message FROM batch_issues \
             WHERE batch_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(batch_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(BatchIssueRow {
                    seq: row.try_get("seq")?,
                    severity: row.try_get("severity")?,
                    line: row.try_get("line")?,
                    merchant_id: row.try_get("merchant_id")?,
                    field: row.try_get("field")?,
                    code: row.try_get("code")?,
                    message: row.try_get("message")?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Record the start of a batch; fails with [`StoreError::Conflict`] when
    /// the acquirer already uploaded these bytes.
    pub async fn insert_batch(&mut self, batch: &NewBatch<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO batches (acquirer, content_sha256, format, all_or_nothing, submitted_by, \
             received_at, completed_at, rows_total, accepted, rejected, created, updated, unchanged, \
             error_count, warning_count, result) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, 0, 0, 0, 0, 0, 0, 0, 0, '{}') RETURNING id",
        )
        .bind(batch.acquirer)
        .bind(batch.content_sha256)
        .bind(batch.format)
        .bind(i64::from(batch.all_or_nothing))
        .bind(batch.submitted_by)
        .bind(batch.received_at)
        .fetch_one(self.conn())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(row.try_get("id")?)
    }

    /// Record issues of a batch, several rows per statement.
    pub async fn insert_batch_issues(
        &mut self,
        batch_id: i64,
        issues: &[BatchIssueRow],
    ) -> Result<(), StoreError> {
        const COLUMNS: usize = 8;
        for chunk in issues.chunks(MAX_INSERT_PARAMS / COLUMNS) {
            let sql = format!(
                "INSERT INTO batch_issues (batch_id, seq, severity, line, merchant_id, field, code, message) \
                 VALUES {}",
                rows(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for issue in chunk {
                query = query
                    .bind(batch_id)
                    .bind(issue.seq)
                    .bind(&issue.severity)
                    .bind(issue.line)
                    .bind(&issue.merchant_id)
                    .bind(&issue.field)
                    .bind(&issue.code)
                    .bind(&issue.message);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Record the outcome of a batch.
    pub async fn finish_batch(
        &mut self,
        batch_id: i64,
        completed_at: &str,
        counts: &BatchCounts,
        result: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE batches SET completed_at = $1, rows_total = $2, accepted = $3, rejected = $4, \
             created = $5, updated = $6, unchanged = $7, error_count = $8, warning_count = $9, \
             result = $10 WHERE id = $11",
        )
        .bind(completed_at)
        .bind(counts.rows_total)
        .bind(counts.accepted)
        .bind(counts.rejected)
        .bind(counts.created)
        .bind(counts.updated)
        .bind(counts.unchanged)
        .bind(counts.error_count)
        .bind(counts.warning_count)
        .bind(result)
        .bind(batch_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
