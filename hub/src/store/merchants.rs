//! Merchants: the current state per (acquirer, merchant_id) plus every version.

use matcher::MerchantRecord;
use sqlx::Row;

use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows, rows_in};
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

/// Parameters of a new `merchants` row: acquirer, merchant number,
/// version, hash, batch, the 15 record columns of [`bind_columns`], and the
/// time twice (created and updated).
const MERCHANT_PARAMS: usize = 22;

/// What a slice row turned out to be, before its key is known.
enum Plan {
    Create,
    Update { pk: i64, version: i64 },
    Unchanged { pk: i64 },
    Duplicate,
}

impl WriteTx {
    /// Store a slice of a batch's valid rows, in order: each merchant is
    /// created, given a new version, or noted as unchanged; a merchant number
    /// already seen in this batch (earlier in the slice, or in an earlier
    /// slice) is a duplicate. Earlier versions are never modified. Returns
    /// one outcome per record, in order.
    ///
    /// This is the write path of ingest, so it runs a fixed handful of
    /// statements per slice (one lookup, multi-row inserts) rather than
    /// several per row (`store/in_list.rs`); only a changed merchant costs
    /// statements of its own.
    pub async fn store_merchants(
        &mut self,
        acquirer: &str,
        batch_id: i64,
        records: &[&MerchantRecord],
        now: &str,
    ) -> Result<Vec<UpsertOutcome>, StoreError> {
        let ids: Vec<String> = records.iter().map(|r| r.merchant_id.clone()).collect();
        let mut stored = std::collections::HashMap::new();
        let (conn, backend) = self.conn_for_lists();
        for row in rows_in(
            conn,
            backend,
            "SELECT id, merchant_id, version, record_sha256, batch_id FROM merchants \
             WHERE acquirer = ? AND merchant_id IN (",
            &[acquirer],
            &ids,
        )
        .await?
        {
            let merchant_id: String = row.try_get("merchant_id")?;
            let pk: i64 = row.try_get("id")?;
            let version: i64 = row.try_get("version")?;
            let sha: String = row.try_get("record_sha256")?;
            let batch: i64 = row.try_get("batch_id")?;
            stored.insert(merchant_id, (pk, version, sha, batch));
        }

        let mut seen = std::collections::HashSet::new();
        let mut plans = Vec::with_capacity(records.len());
        let mut versions: Vec<(usize, String, String)> = Vec::new();
        for (i, record) in records.iter().enumerate() {
            let plan = if !seen.insert(record.merchant_id.as_str()) {
                Plan::Duplicate
            } else {
                let json = serde_json::to_string(record)?;
                let sha = crate::digest::sha256_hex(json.as_bytes());
                let plan = match stored.get(&record.merchant_id) {
                    None => Plan::Create,
                    Some((_, _, _, batch)) if *batch == batch_id => Plan::Duplicate,
                    Some((pk, _, stored_sha, _)) if *stored_sha == sha => {
                        Plan::Unchanged { pk: *pk }
                    }
                    Some((pk, version, _, _)) => Plan::Update {
                        pk: *pk,
                        version: version + 1,
                    },
                };
                if matches!(plan, Plan::Create | Plan::Update { .. }) {
                    versions.push((i, json, sha));
                }
                plan
            };
            plans.push(plan);
        }

        // Remember that this batch mentioned the unchanged ones, so a second
        // row for one later in the batch is caught as a duplicate.
        let unchanged: Vec<i64> = plans
            .iter()
            .filter_map(|p| match p {
                Plan::Unchanged { pk } => Some(*pk),
                _ => None,
            })
            .collect();
        let mark = format!("UPDATE merchants SET batch_id = {batch_id} WHERE id IN (");
        let (conn, backend) = self.conn_for_lists();
        rows_in(conn, backend, &mark, &[], &unchanged).await?;

        let sha_of: std::collections::HashMap<usize, &str> = versions
            .iter()
            .map(|(i, _, sha)| (*i, sha.as_str()))
            .collect();
        let mut pks: Vec<Option<i64>> = vec![None; records.len()];
        let creates: Vec<usize> = (0..records.len())
            .filter(|i| matches!(plans[*i], Plan::Create))
            .collect();
        for chunk in creates.chunks(MAX_INSERT_PARAMS / MERCHANT_PARAMS) {
            let sql = format!(
                "INSERT INTO merchants (acquirer, merchant_id, version, record_sha256, batch_id, \
                 name, uscc, mcc, region_code, status, legal_rep_name, legal_rep_id_token, \
                 legal_rep_id_masked, legal_rep_phone_token, legal_rep_phone_masked, \
                 contact_phone_token, contact_phone_masked, account_token, account_masked, \
                 account_kind, created_at, updated_at) VALUES {} RETURNING id, merchant_id",
                rows(chunk.len(), MERCHANT_PARAMS)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for i in chunk {
                let record = records[*i];
                query = bind_columns(
                    query
                        .bind(acquirer)
                        .bind(&record.merchant_id)
                        .bind(1_i64)
                        .bind(sha_of[i])
                        .bind(batch_id),
                    record,
                )
                .bind(now)
                .bind(now);
            }
            let by_id: std::collections::HashMap<String, i64> = query
                .fetch_all(self.conn())
                .await?
                .iter()
                .map(|row| Ok((row.try_get("merchant_id")?, row.try_get("id")?)))
                .collect::<Result<_, sqlx::Error>>()?;
            for i in chunk {
                pks[*i] = by_id.get(&records[*i].merchant_id).copied();
            }
        }

        let mut replaced = Vec::new();
        for (i, plan) in plans.iter().enumerate() {
            let Plan::Update { pk, version } = plan else {
                continue;
            };
            let record = records[i];
            let query = sqlx::query(
                "UPDATE merchants SET version = $1, record_sha256 = $2, batch_id = $3, name = $4, \
                 uscc = $5, mcc = $6, region_code = $7, status = $8, legal_rep_name = $9, \
                 legal_rep_id_token = $10, legal_rep_id_masked = $11, legal_rep_phone_token = $12, \
                 legal_rep_phone_masked = $13, contact_phone_token = $14, contact_phone_masked = $15, \
                 account_token = $16, account_masked = $17, account_kind = $18, updated_at = $19 \
                 WHERE id = $20",
            )
            .bind(*version)
            .bind(sha_of[&i])
            .bind(batch_id);
            bind_columns(query, record)
                .bind(now)
                .bind(*pk)
                .execute(self.conn())
                .await?;
            pks[i] = Some(*pk);
            replaced.push(*pk);
        }
        for table in ["terminals", "merchant_photos"] {
            let sql = format!("DELETE FROM {table} WHERE merchant_pk IN (");
            let (conn, backend) = self.conn_for_lists();
            rows_in(conn, backend, &sql, &[], &replaced).await?;
        }

        let version_rows: Vec<(i64, i64, &str, &str)> = versions
            .iter()
            .map(|(i, json, sha)| {
                let pk = pks[*i].ok_or(StoreError::Conflict)?;
                let version = match plans[*i] {
                    Plan::Update { version, .. } => version,
                    _ => 1,
                };
                Ok((pk, version, sha.as_str(), json.as_str()))
            })
            .collect::<Result<_, StoreError>>()?;
        for chunk in version_rows.chunks(MAX_INSERT_PARAMS / 6) {
            let sql = format!(
                "INSERT INTO merchant_versions (merchant_pk, version, batch_id, record_sha256, record, created_at) \
                 VALUES {}",
                rows(chunk.len(), 6)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for (pk, version, sha, json) in chunk {
                query = query
                    .bind(*pk)
                    .bind(*version)
                    .bind(batch_id)
                    .bind(*sha)
                    .bind(*json)
                    .bind(now);
            }
            query.execute(self.conn()).await?;
        }

        let written = || {
            versions
                .iter()
                .filter_map(|(i, _, _)| pks[*i].map(|pk| (pk, records[*i])))
        };
        let terminals: Vec<(i64, &matcher::Terminal)> = written()
            .flat_map(|(pk, r)| r.terminals.iter().map(move |t| (pk, t)))
            .collect();
        for chunk in terminals.chunks(MAX_INSERT_PARAMS / 8) {
            let sql = format!(
                "INSERT INTO terminals (merchant_pk, terminal_id, sn, sn_key, vendor, model, lat, lng) \
                 VALUES {}",
                rows(chunk.len(), 8)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for (pk, terminal) in chunk {
                query = query
                    .bind(*pk)
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
                    .bind(terminal.location.map(|c| c.lng));
            }
            query.execute(self.conn()).await?;
        }
        let photos: Vec<(i64, &matcher::PhotoRef)> = written()
            .flat_map(|(pk, r)| r.photos.iter().map(move |p| (pk, p)))
            .collect();
        for chunk in photos.chunks(MAX_INSERT_PARAMS / 3) {
            let sql = format!(
                "INSERT INTO merchant_photos (merchant_pk, kind, sha256) VALUES {} \
                 ON CONFLICT DO NOTHING",
                rows(chunk.len(), 3)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for (pk, photo) in chunk {
                query = query
                    .bind(*pk)
                    .bind(photo.kind.as_str())
                    .bind(&photo.sha256);
            }
            query.execute(self.conn()).await?;
        }

        plans
            .iter()
            .zip(&pks)
            .map(|(plan, pk)| {
                Ok(match plan {
                    Plan::Create => UpsertOutcome::Created {
                        pk: pk.ok_or(StoreError::Conflict)?,
                    },
                    Plan::Update { pk, version } => UpsertOutcome::Updated {
                        pk: *pk,
                        version: *version,
                    },
                    Plan::Unchanged { .. } => UpsertOutcome::Unchanged,
                    Plan::Duplicate => UpsertOutcome::DuplicateInBatch,
                })
            })
            .collect()
    }
}

/// Bind the record's columns from `name` to `account_kind`, in table order.
fn bind_columns<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    record: &'q MerchantRecord,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    query
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
