//! The audit log's rows: appended under the head's lock, read back by filter
//! or in seq order for verification. Nothing here updates or deletes an
//! event; the chain itself is computed by `crate::audit`.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, Store, StoreError, WriteTx};

/// One audit event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Position in the chain, gapless from 1.
    pub seq: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// The acting key.
    pub key_id: String,
    /// Its role.
    pub role: String,
    /// Its acquirer, for acquirer keys.
    pub acquirer: Option<String>,
    /// The peer's IP address.
    pub remote: Option<String>,
    /// The declared purpose.
    pub purpose: Option<String>,
    /// What was done (`merchant.read`, `search`, …).
    pub action: String,
    /// What it was done to.
    pub target: String,
    /// The HTTP status answered.
    pub status: i64,
    /// The error code of a refusal.
    pub code: Option<String>,
    /// Canonical JSON object of further facts.
    pub detail: String,
    /// The previous event's hash.
    pub prev_hash: String,
    /// This event's hash.
    pub hash: String,
    /// The hub's signature over the hash.
    pub signature: String,
}

/// Which events to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this key's events.
    pub key_id: Option<String>,
    /// Only events by this acquirer's keys.
    pub acquirer: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// At or after.
    pub since: Option<String>,
    /// Before.
    pub until: Option<String>,
    /// Seq below this (the page cursor).
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
}

const COLUMNS: &str = "seq, at, key_id, role, acquirer, remote, purpose, action, target, \
                       status, code, detail, prev_hash, hash, signature";

fn audit_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    Ok(AuditRow {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        key_id: row.try_get("key_id")?,
        role: row.try_get("role")?,
        acquirer: row.try_get("acquirer")?,
        remote: row.try_get("remote")?,
        purpose: row.try_get("purpose")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        status: row.try_get("status")?,
        code: row.try_get("code")?,
        detail: row.try_get("detail")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        signature: row.try_get("signature")?,
    })
}

impl WriteTx {
    /// The audit head, locked until the transaction ends (appends by several
    /// hubs on one PostgreSQL queue here instead of racing for a seq).
    pub async fn audit_head_for_update(&mut self) -> Result<(i64, String), StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
        )))
        .fetch_one(self.conn())
        .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    /// Append an event and move the head to it.
    pub async fn append_audit_event(&mut self, event: &AuditRow) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO audit_events ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        )))
        .bind(event.seq)
        .bind(&event.at)
        .bind(&event.key_id)
        .bind(&event.role)
        .bind(&event.acquirer)
        .bind(&event.remote)
        .bind(&event.purpose)
        .bind(&event.action)
        .bind(&event.target)
        .bind(event.status)
        .bind(&event.code)
        .bind(&event.detail)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .bind(&event.signature)
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(event.seq)
            .bind(&event.hash)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

impl Store {
    /// Events matching `filter`, newest first.
    pub async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_events \
             WHERE ($1 IS NULL OR key_id = $1) AND ($2 IS NULL OR acquirer = $2) \
             AND ($3 IS NULL OR action = $3) AND ($4 IS NULL OR at >= $4) \
             AND ($5 IS NULL OR at < $5) AND ($6 IS NULL OR seq < $6) \
             ORDER BY seq DESC LIMIT $7"
        )))
        .bind(&filter.key_id)
        .bind(&filter.acquirer)
        .bind(&filter.action)
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
    }

    /// Up to `limit` events after `after`, in chain order.
    pub async fn audit_events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2"
        )))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(audit_row).collect::<Result<_, _>>()?)
    }

    /// The audit head: the last seq and hash.
    pub async fn audit_head(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }
}
