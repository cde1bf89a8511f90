//! Fuzzy links between merchants and the merchant records the linker reads:
//! the SQL behind [`crate::linking`]. Lists of keys go through
//! `store/in_list.rs`.

use matcher::MerchantRecord;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Backend;
use super::alerts::{MEMBER_COLUMNS, member_row};
use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows, rows_in};
use super::{MemberRow, Store, StoreError, WriteTx};

/// A stored fuzzy link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    /// The smaller merchant key.
    pub left_pk: i64,
    /// The larger merchant key.
    pub right_pk: i64,
    /// The matcher rule that fired (`co_located`, `controller`).
    pub rule: String,
    /// The link's score, 0–1.
    pub score: f64,
    /// The matcher's explanation as JSON.
    pub explanation: String,
}

/// Current records with their keys, from `merchants` joined to the version
/// it points at.
const CURRENT_RECORDS: &str = "SELECT m.id, v.record FROM merchants m \
     JOIN merchant_versions v ON v.merchant_pk = m.id AND v.version = m.version";

fn record_row(row: &AnyRow) -> Result<(i64, MerchantRecord), StoreError> {
    let pk: i64 = row.try_get("id")?;
    let json: String = row.try_get("record")?;
    Ok((pk, serde_json::from_str(&json)?))
}

fn link_row(row: &AnyRow) -> Result<LinkRow, sqlx::Error> {
    Ok(LinkRow {
        left_pk: row.try_get("left_pk")?,
        right_pk: row.try_get("right_pk")?,
        rule: row.try_get("rule")?,
        score: row.try_get("score")?,
        explanation: row.try_get("explanation")?,
    })
}

impl WriteTx {
    /// The current records of these merchants (those that exist), as this
    /// transaction sees them.
    pub async fn current_records(
        &mut self,
        pks: &[i64],
    ) -> Result<Vec<(i64, MerchantRecord)>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        current_records(conn, backend, pks).await
    }

    /// Replace every link touching `pks` with `links`.
    pub async fn replace_links(
        &mut self,
        pks: &[i64],
        links: &[LinkRow],
    ) -> Result<(), StoreError> {
        for column in ["left_pk", "right_pk"] {
            let sql = format!("DELETE FROM match_links WHERE {column} IN (");
            let (conn, backend) = self.conn_for_lists();
            rows_in(conn, backend, &sql, &[], pks).await?;
        }
        self.insert_links(links).await.map(|_| ())
    }

    /// Remove every link (for a rebuild).
    pub async fn clear_links(&mut self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM match_links")
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Insert links, several rows per statement, and return how many were
    /// new. A pair already stored keeps its row (both of its merchants may
    /// find it, in one slice or in two).
    pub async fn insert_links(&mut self, links: &[LinkRow]) -> Result<u64, StoreError> {
        const COLUMNS: usize = 5;
        let mut inserted = 0;
        for chunk in links.chunks(MAX_INSERT_PARAMS / COLUMNS) {
            let sql = format!(
                "INSERT INTO match_links (left_pk, right_pk, rule, score, explanation) \
                 VALUES {} ON CONFLICT (left_pk, right_pk) DO NOTHING",
                rows(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for link in chunk {
                query = query
                    .bind(link.left_pk)
                    .bind(link.right_pk)
                    .bind(&link.rule)
                    .bind(link.score)
                    .bind(&link.explanation);
            }
            inserted += query.execute(self.conn()).await?.rows_affected();
        }
        Ok(inserted)
    }

    /// The links touching any of these merchants, each once, in key order.
    pub async fn links_touching(&mut self, pks: &[i64]) -> Result<Vec<LinkRow>, StoreError> {
        let mut links = Vec::new();
        for column in ["left_pk", "right_pk"] {
            let prefix = format!(
                "SELECT left_pk, right_pk, rule, score, explanation FROM match_links WHERE {column} IN ("
            );
            let (conn, backend) = self.conn_for_lists();
            for row in rows_in(conn, backend, &prefix, &[], pks).await? {
                links.push(link_row(&row)?);
            }
        }
        links.sort_by_key(|l| (l.left_pk, l.right_pk));
        links.dedup_by_key(|l| (l.left_pk, l.right_pk));
        Ok(links)
    }

    /// The links touching one merchant.
    pub async fn links_of(&mut self, pk: i64) -> Result<Vec<LinkRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT left_pk, right_pk, rule, score, explanation FROM match_links \
             WHERE left_pk = $1 OR right_pk = $1 ORDER BY left_pk, right_pk",
        )
        .bind(pk)
        .fetch_all(self.conn())
        .await?;
        Ok(rows.iter().map(link_row).collect::<Result<_, _>>()?)
    }

    /// Merchants by key, in key order.
    pub async fn members_by_pk(&mut self, pks: &[i64]) -> Result<Vec<MemberRow>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        members_by_pk(conn, backend, pks).await
    }
}

async fn current_records(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    pks: &[i64],
) -> Result<Vec<(i64, MerchantRecord)>, StoreError> {
    let sql = format!("{CURRENT_RECORDS} WHERE m.id IN (");
    rows_in(conn, backend, &sql, &[], pks)
        .await?
        .iter()
        .map(record_row)
        .collect()
}

async fn members_by_pk(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    pks: &[i64],
) -> Result<Vec<MemberRow>, StoreError> {
    let sql = format!("SELECT {MEMBER_COLUMNS} FROM merchants m WHERE m.id IN (");
    let mut members = rows_in(conn, backend, &sql, &[], pks)
        .await?
        .iter()
        .map(member_row)
        .collect::<Result<Vec<_>, _>>()?;
    members.sort_by_key(|m| m.pk);
    Ok(members)
}

impl Store {
    /// A page of current records in key order, after `after_pk`, of the
    /// merchants a batch after `since_batch` wrote (0: every merchant).
    pub async fn current_records_page(
        &self,
        since_batch: i64,
        after_pk: i64,
        limit: i64,
    ) -> Result<Vec<(i64, MerchantRecord)>, StoreError> {
        let sql =
            format!("{CURRENT_RECORDS} WHERE m.batch_id > $1 AND m.id > $2 ORDER BY m.id LIMIT $3");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(since_batch)
            .bind(after_pk)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_row).collect()
    }

    /// The current records of these merchants (those that exist).
    pub async fn current_records(
        &self,
        pks: &[i64],
    ) -> Result<Vec<(i64, MerchantRecord)>, StoreError> {
        current_records(&mut *self.pool.acquire().await?, self.backend, pks).await
    }

    /// Merchants by key, in key order.
    pub async fn members_by_pk(&self, pks: &[i64]) -> Result<Vec<MemberRow>, StoreError> {
        members_by_pk(&mut *self.pool.acquire().await?, self.backend, pks).await
    }

    /// How many stored batches have an id above `after`: how far behind
    /// the store an index current with batch `after` is.
    pub async fn count_batches_after(&self, after: i64) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS behind FROM batches WHERE id > $1")
            .bind(after)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("behind")?)
    }

    /// The newest batch id (0 when there is none): the store's change
    /// sequence, as far as the candidate index is concerned.
    pub async fn last_batch_id(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS last FROM batches")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("last")?)
    }
}
