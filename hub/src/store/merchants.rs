//! Merchants: the current state per (acquirer, merchant_id) plus every version.

use matcher::MerchantRecord;
use sqlx::Row;

use super::{Store, StoreError, WriteTx};

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// First time this merchant number was seen for the acquirer.
    Created {
        /// Its store key.
        pk: i64,
    },
    /// A new version was stored.
    Updated {
        /// Its store key.
        pk: i64,
        /// The new version number.
        version: i64,
    },
    /// Identical to the current version; nothing stored but the batch mark.
    Unchanged,
    /// The same merchant number already appeared earlier in this batch.
    DuplicateInBatch,
}

/// A merchant's current state.
#[derive(Debug, Clone)]
pub struct MerchantRow {
    /// Owning acquirer.
    pub acquirer: String,
    /// Current version number.
    pub version: i64,
    /// The batch that last wrote or confirmed the merchant.
    pub batch_id: i64,
    /// First seen.
    pub created_at: String,
    /// Last new version.
    pub updated_at: String,
    /// The current normalised record.
    pub record: MerchantRecord,
}

/// One stored version of a merchant.
#[derive(Debug, Clone)]
pub struct MerchantVersionRow {
    /// Version number, 1-based.
    pub version: i64,
    /// The batch that brought it.
    pub batch_id: i64,
    /// SHA-256 of the record JSON.
    pub record_sha256: String,
    /// When it was stored.
    pub created_at: String,
    /// The record.
    pub record: MerchantRecord,
}

impl WriteTx {
    /// Store a merchant row of a batch: create it, add a version, or note that
    /// nothing changed. Earlier versions are never modified.
    pub async fn upsert_merchant(
        &mut self,
        acquirer: &str,
        batch_id: i64,
        record: &MerchantRecord,
        now: &str,
    ) -> Result<UpsertOutcome, StoreError> {
        let record_json = serde_json::to_string(record)?;
        let record_sha256 = crate::digest::sha256_hex(record_json.as_bytes());
        let current = sqlx::query(
            "SELECT id, version, record_sha256, batch_id FROM merchants \
             WHERE acquirer = $1 AND merchant_id = $2",
        )
        .bind(acquirer)
        .bind(&record.merchant_id)
        .fetch_optional(self.conn())
        .await?;

        let (pk, version, outcome) = match current {
            None => {
                let row = sqlx::query(
                    "INSERT INTO merchants (acquirer, merchant_id, version, record_sha256, batch_id, \
                     name, uscc, mcc, region_code, status, legal_rep_name, legal_rep_id_token, \
                     legal_rep_id_masked, legal_rep_phone_token, legal_rep_phone_masked, \
                     contact_phone_token, contact_phone_masked, account_token, account_masked, \
                     account_kind, created_at, updated_at) \
                     VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
                     $16, $17, $18, $19, $20, $20) RETURNING id",
                )
                .bind(acquirer)
                .bind(&record.merchant_id)
                .bind(&record_sha256)
                .bind(batch_id)
                .bind(&record.name)
                .bind(&record.uscc)
                .bind(&record.mcc)
                .bind(&record.region_code)
                .bind(status_name(record))
                .bind(&record.legal_rep.name)
                .bind(record.legal_rep.id.token.as_str())
                .bind(&record.legal_rep.id.masked)
                .bind(record.legal_rep.phone.as_ref().map(|p| p.token.as_str()))
                .bind(record.legal_rep.phone.as_ref().map(|p| p.masked.as_str()))
                .bind(record.contact_phone.as_ref().map(|p| p.token.as_str()))
                .bind(record.contact_phone.as_ref().map(|p| p.masked.as_str()))
                .bind(record.settlement_account.number.token.as_str())
                .bind(&record.settlement_account.number.masked)
                .bind(record.settlement_account.kind.as_str())
                .bind(now)
                .fetch_one(self.conn())
                .await?;
                {
                    let pk = row.try_get::<i64, _>("id")?;
                    (pk, 1, UpsertOutcome::Created { pk })
                }
            }
            Some(row) => {
                let pk: i64 = row.try_get("id")?;
                let stored_version: i64 = row.try_get("version")?;
                let stored_sha: String = row.try_get("record_sha256")?;
                let stored_batch: i64 = row.try_get("batch_id")?;
                if stored_batch == batch_id {
                    return Ok(UpsertOutcome::DuplicateInBatch);
                }
                if stored_sha == record_sha256 {
                    // Remember that this batch mentioned the merchant, so a
                    // second row for it later in the same batch is caught.
                    sqlx::query("UPDATE merchants SET batch_id = $1 WHERE id = $2")
                        .bind(batch_id)
                        .bind(pk)
                        .execute(self.conn())
                        .await?;
                    return Ok(UpsertOutcome::Unchanged);
                }
                let version = stored_version + 1;
                sqlx::query(
                    "UPDATE merchants SET version = $1, record_sha256 = $2, batch_id = $3, name = $4, \
                     uscc = $5, mcc = $6, region_code = $7, status = $8, legal_rep_name = $9, \
                     legal_rep_id_token = $10, legal_rep_id_masked = $11, legal_rep_phone_token = $12, \
                     legal_rep_phone_masked = $13, contact_phone_token = $14, contact_phone_masked = $15, \
                     account_token = $16, account_masked = $17, account_kind = $18, updated_at = $19 \
                     WHERE id = $20",
                )
                .bind(version)
                .bind(&record_sha256)
                .bind(batch_id)
                .bind(&record.name)
                .bind(&record.uscc)
                .bind(&record.mcc)
                .bind(&record.region_code)
                .bind(status_name(record))
                .bind(&record.legal_rep.name)
                .bind(record.legal_rep.id.token.as_str())
                .bind(&record.legal_rep.id.masked)
                .bind(record.legal_rep.phone.as_ref().map(|p| p.token.as_str()))
                .bind(record.legal_rep.phone.as_ref().map(|p| p.masked.as_str()))
                .bind(record.contact_phone.as_ref().map(|p| p.token.as_str()))
                .bind(record.contact_phone.as_ref().map(|p| p.masked.as_str()))
                .bind(record.settlement_account.number.token.as_str())
                .bind(&record.settlement_account.number.masked)
                .bind(record.settlement_account.kind.as_str())
                .bind(now)
                .bind(pk)
                .execute(self.conn())
                .await?;
                sqlx::query("DELETE FROM terminals WHERE merchant_pk = $1")
                    .bind(pk)
                    .execute(self.conn())
                    .await?;
                sqlx::query("DELETE FROM merchant_photos WHERE merchant_pk = $1")
                    .bind(pk)
                    .execute(self.conn())
                    .await?;
                (pk, version, UpsertOutcome::Updated { pk, version })
            }
        };

        sqlx::query(
            "INSERT INTO merchant_versions (merchant_pk, version, batch_id, record_sha256, record, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(pk)
        .bind(version)
        .bind(batch_id)
        .bind(&record_sha256)
        .bind(&record_json)
        .bind(now)
        .execute(self.conn())
        .await?;
        for terminal in &record.terminals {
            sqlx::query(
                "INSERT INTO terminals (merchant_pk, terminal_id, sn, sn_key, vendor, model, lat, lng) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(pk)
            .bind(&terminal.terminal_id)
            .bind(&terminal.sn)
            .bind(
                terminal
                    .sn
                    .as_deref()
                    .and_then(|sn| matcher::TerminalSn::parse(sn).ok())
                    .map(|sn| sn.match_key()),
            )
            .bind(&terminal.vendor)
            .bind(&terminal.model)
            .bind(terminal.location.map(|c| c.lat))
            .bind(terminal.location.map(|c| c.lng))
            .execute(self.conn())
            .await?;
        }
        for photo in &record.photos {
            sqlx::query(
                "INSERT INTO merchant_photos (merchant_pk, kind, sha256) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(pk)
            .bind(photo.kind.as_str())
            .bind(&photo.sha256)
            .execute(self.conn())
            .await?;
        }
        Ok(outcome)
    }
}

fn status_name(record: &MerchantRecord) -> &'static str {
    match record.status {
        matcher::MerchantStatus::Active => "active",
        matcher::MerchantStatus::Terminated { .. } => "terminated",
    }
}

impl Store {
    /// A merchant's current state with its current record.
    pub async fn get_merchant(
        &self,
        acquirer: &str,
        merchant_id: &str,
    ) -> Result<Option<MerchantRow>, StoreError> {
        let row = sqlx::query(
            "SELECT m.acquirer, m.version, m.batch_id, m.created_at, m.updated_at, v.record \
             FROM merchants m JOIN merchant_versions v ON v.merchant_pk = m.id AND v.version = m.version \
             WHERE m.acquirer = $1 AND m.merchant_id = $2",
        )
        .bind(acquirer)
        .bind(merchant_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let record: String = row.try_get("record")?;
        Ok(Some(MerchantRow {
            acquirer: row.try_get("acquirer")?,
            version: row.try_get("version")?,
            batch_id: row.try_get("batch_id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            record: serde_json::from_str(&record)?,
        }))
    }

    /// Every stored version of a merchant, oldest first (empty if unknown).
    pub async fn list_merchant_versions(
        &self,
        acquirer: &str,
        merchant_id: &str,
    ) -> Result<Vec<MerchantVersionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT v.version, v.batch_id, v.record_sha256, v.created_at, v.record \
             FROM merchant_versions v JOIN merchants m ON m.id = v.merchant_pk \
             WHERE m.acquirer = $1 AND m.merchant_id = $2 ORDER BY v.version",
        )
        .bind(acquirer)
        .bind(merchant_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let record: String = row.try_get("record")?;
                Ok(MerchantVersionRow {
                    version: row.try_get("version")?,
                    batch_id: row.try_get("batch_id")?,
                    record_sha256: row.try_get("record_sha256")?,
                    created_at: row.try_get("created_at")?,
                    record: serde_json::from_str(&record)?,
                })
            })
            .collect()
    }

    /// Number of merchants stored, per acquirer when given.
    pub async fn count_merchants(&self, acquirer: Option<&str>) -> Result<i64, StoreError> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM merchants WHERE ($1 IS NULL OR acquirer = $1)")
                .bind(acquirer)
                .fetch_one(&self.pool)
                .await?;
        Ok(row.try_get("n")?)
    }
}
