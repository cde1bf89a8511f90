//! API keys: only the SHA-256 of each key is stored.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, WriteTx};

/// A key as stored (never the key itself).
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Public identifier, the middle part of the key string.
    pub key_id: String,
    /// SHA-256 of the full key, hex.
    pub secret_sha256: String,
    /// Role name.
    pub role: String,
    /// Acquirer code for acquirer keys.
    pub acquirer: Option<String>,
    /// Free text for people.
    pub label: Option<String>,
    /// When it was created.
    pub created_at: String,
    /// Who created it (key id, or `init`).
    pub created_by: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Who revoked it.
    pub revoked_by: Option<String>,
    /// When a rotated key stops working.
    pub expires_at: Option<String>,
    /// The key that replaced it.
    pub replaced_by: Option<String>,
}

/// What became of a rotation.
#[derive(Debug, Clone)]
pub enum Rotation {
    /// The old key as it is now (expiring, replaced).
    Rotated(KeyRow),
    /// No such key.
    Unknown,
    /// Revoked, or rotated already: the old key as it is.
    NotRotatable(KeyRow),
}

/// What is needed to store a new key.
#[derive(Debug, Clone)]
pub struct NewKey<'a> {
    /// Public identifier.
    pub key_id: &'a str,
    /// SHA-256 of the full key, hex.
    pub secret_sha256: &'a str,
    /// Role name.
    pub role: &'a str,
    /// Acquirer code for acquirer keys.
    pub acquirer: Option<&'a str>,
    /// Free text.
    pub label: Option<&'a str>,
    /// Creation time.
    pub created_at: &'a str,
    /// Creator.
    pub created_by: &'a str,
}

const COLUMNS: &str = "key_id, secret_sha256, role, acquirer, label, created_at, created_by, \
                       revoked_at, revoked_by, expires_at, replaced_by";

fn key_row(row: &AnyRow) -> Result<KeyRow, sqlx::Error> {
    Ok(KeyRow {
        key_id: row.try_get("key_id")?,
        secret_sha256: row.try_get("secret_sha256")?,
        role: row.try_get("role")?,
        acquirer: row.try_get("acquirer")?,
        label: row.try_get("label")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        revoked_at: row.try_get("revoked_at")?,
        revoked_by: row.try_get("revoked_by")?,
        expires_at: row.try_get("expires_at")?,
        replaced_by: row.try_get("replaced_by")?,
    })
}

impl Store {
    /// Store a new key.
    #[tracing::instrument(skip(self, key), fields(key_id = key.key_id))]
    pub async fn insert_key(&self, key: &NewKey<'_>) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_key(&mut tx, key).await?;
        tx.commit().await
    }

    /// Replace `old` by `new` in one transaction: `new` is stored and `old`
    /// keeps working until `expires_at`, so its holder can switch over.
    #[tracing::instrument(skip(self, new), fields(new = new.key_id))]
    pub async fn rotate_key(
        &self,
        old: &str,
        new: &NewKey<'_>,
        expires_at: &str,
    ) -> Result<Rotation, StoreError> {
        let mut tx = self.begin_write().await?;
        let select = format!("SELECT {COLUMNS} FROM api_keys WHERE key_id = $1");
        let current = sqlx::query(sqlx::AssertSqlSafe(match tx.backend {
            super::Backend::Postgres => format!("{select} FOR UPDATE"),
            super::Backend::Sqlite => select.clone(),
        }))
        .bind(old)
        .fetch_optional(tx.conn())
        .await?;
        let Some(current) = current.as_ref().map(key_row).transpose()? else {
            return Ok(Rotation::Unknown);
        };
        if current.revoked_at.is_some() || current.replaced_by.is_some() {
            return Ok(Rotation::NotRotatable(current));
        }
        insert_key(&mut tx, new).await?;
        sqlx::query("UPDATE api_keys SET expires_at = $1, replaced_by = $2 WHERE key_id = $3")
            .bind(expires_at)
            .bind(new.key_id)
            .bind(old)
            .execute(tx.conn())
            .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(select))
            .bind(old)
            .fetch_one(tx.conn())
            .await?;
        let rotated = key_row(&row)?;
        tx.commit().await?;
        Ok(Rotation::Rotated(rotated))
    }
}

async fn insert_key(tx: &mut WriteTx, key: &NewKey<'_>) -> Result<(), StoreError> {
    {
        sqlx::query(
            "INSERT INTO api_keys (key_id, secret_sha256, role, acquirer, label, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.key_id)
        .bind(key.secret_sha256)
        .bind(key.role)
        .bind(key.acquirer)
        .bind(key.label)
        .bind(key.created_at)
        .bind(key.created_by)
        .execute(tx.conn())
        .await
        .map_err(StoreError::from_insert)?;
        Ok(())
    }
}

impl Store {
    /// Look a key up by its public identifier.
    pub async fn find_key(&self, key_id: &str) -> Result<Option<KeyRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    /// Every key, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(key_row).collect::<Result<_, _>>()?)
    }

    /// Mark a key revoked. Returns the key as it is now, or `None` if unknown.
    /// Revoking twice keeps the first revocation's time and author.
    #[tracing::instrument(skip(self))]
    pub async fn revoke_key(
        &self,
        key_id: &str,
        at: &str,
        by: &str,
    ) -> Result<Option<KeyRow>, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE api_keys SET revoked_at = $1, revoked_by = $2 \
             WHERE key_id = $3 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(by)
        .bind(key_id)
        .execute(tx.conn())
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM api_keys WHERE key_id = $1"
        )))
        .bind(key_id)
        .fetch_optional(tx.conn())
        .await?;
        tx.commit().await?;
        Ok(row.as_ref().map(key_row).transpose()?)
    }

    /// How many keys with this role are not revoked.
    pub async fn count_active_keys(&self, role: &str) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM api_keys WHERE role = $1 AND revoked_at IS NULL",
        )
        .bind(role)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("n")?)
    }
}
