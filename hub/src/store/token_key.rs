//! Which token key the stored tokens are under, and where tokens are
//! stored, for rotating the key (`crate::token_rotation`).
//!
//! The list of token columns lives here because it is schema knowledge:
//! a migration that adds a column holding tokens must add it to
//! [`TOKEN_COLUMNS`], or a rotation would leave that column under the old
//! key. `cli/tests/cli/token_key.rs` guards the list from outside: after a
//! rotation it reads every text column of every table and fails on any
//! token under the old key outside the signed, append-only logs.

use sqlx::Row;

use super::{Backend, Store, StoreError, WriteTx};

/// The row of `token_key_state`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKeyState {
    /// `matcher::TokenKey::fingerprint` of the key the tokens are under.
    pub fingerprint: String,
    /// How many generations that key has (1 before any rotation).
    pub generations: i64,
}

/// How a column holds its tokens, which says how to re-tokenise it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenForm {
    /// The value is one token (or NULL).
    Token,
    /// The value is `kind:token` (an alert's group key, a screening key) or
    /// something else left alone (`sn:…`, `core:…`).
    Prefixed,
    /// JSON of a `matcher::MerchantRecord`, whose SHA-256 is stored beside it
    /// and must follow it: it is how an unchanged re-upload is recognised.
    MerchantRecord,
    /// Any other JSON: tokens sit under `token` keys or as `kind:token`
    /// strings.
    Json,
}

/// A text column holding tokens.
#[derive(Debug, Clone, Copy)]
pub struct TokenColumn {
    pub table: &'static str,
    pub column: &'static str,
    pub form: TokenForm,
    /// The primary key's columns; the first is an integer the rewrite
    /// pages by, and is never one that holds tokens, so a rewritten row
    /// never moves into a page still to come.
    key: &'static [(&'static str, KeyType)],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Int,
    Text,
}

use KeyType::{Int, Text};

/// Every column outside the signed logs that holds tokens. `feed_events`
/// and the audit log are left alone on purpose: each event is hashed into a
/// chain and signed, and rewriting one would break what makes it evidence.
pub const TOKEN_COLUMNS: &[TokenColumn] = &[
    column(
        "merchants",
        "legal_rep_id_token",
        TokenForm::Token,
        &[("id", Int)],
    ),
    column(
        "merchants",
        "legal_rep_phone_token",
        TokenForm::Token,
        &[("id", Int)],
    ),
    column(
        "merchants",
        "contact_phone_token",
        TokenForm::Token,
        &[("id", Int)],
    ),
    column(
        "merchants",
        "account_token",
        TokenForm::Token,
        &[("id", Int)],
    ),
    column(
        "merchant_versions",
        "record",
        TokenForm::MerchantRecord,
        &[("merchant_pk", Int), ("version", Int)],
    ),
    column("alerts", "group_key", TokenForm::Prefixed, &[("id", Int)]),
    column("alerts", "evidence", TokenForm::Json, &[("id", Int)]),
    column(
        "match_links",
        "explanation",
        TokenForm::Json,
        &[("left_pk", Int), ("right_pk", Int)],
    ),
    column(
        "blacklist_entries",
        "subject",
        TokenForm::Json,
        &[("id", Int)],
    ),
    column("screenings", "record", TokenForm::Json, &[("id", Int)]),
    column("screenings", "hits", TokenForm::Json, &[("id", Int)]),
    column(
        "screening_keys",
        "key",
        TokenForm::Prefixed,
        &[("screening_id", Int), ("key", Text)],
    ),
    column("batches", "result", TokenForm::Json, &[("id", Int)]),
];

const fn column(
    table: &'static str,
    column: &'static str,
    form: TokenForm,
    key: &'static [(&'static str, KeyType)],
) -> TokenColumn {
    TokenColumn {
        table,
        column,
        form,
        key,
    }
}

/// The one row of `token_key_state`.
const STATE_SQL: &str = "SELECT fingerprint, generations FROM token_key_state WHERE id = 1";

/// How a transaction locks `token_key_state`'s row on PostgreSQL.
#[derive(Debug, Clone, Copy)]
enum RowLock {
    /// Writers of tokens: many at once, none beside a rotation.
    Share,
    /// A rotation: alone.
    Update,
}

/// Rows read per page of a rewrite: bounded memory at any size.
const PAGE: i64 = 1_000;

#[derive(Debug, Clone)]
enum KeyValue {
    Int(i64),
    Text(String),
}

impl Store {
    /// Fail with [`StoreError::TokenKeyChanged`] when the stored tokens are
    /// under another key than the one `fingerprint` names: the key was
    /// rotated by another hub of the same PostgreSQL while this one ran,
    /// and what this one tokenises would match nothing stored.
    pub async fn ensure_token_key(&self, fingerprint: &str) -> Result<(), StoreError> {
        check(self.token_key_state().await?, fingerprint)
    }

    /// A write transaction for rows tokenised under the key `fingerprint`
    /// names, checked as [`Store::ensure_token_key`] does but inside the
    /// transaction and under a share lock on `token_key_state`'s row
    /// (PostgreSQL; SQLite's write transaction is already exclusive). Share
    /// locks never wait for each other, so uploads do not queue behind one
    /// another; a rotation's update lock waits for them and they for it, so
    /// a rotation either sees the rows this transaction writes, or has
    /// committed before this one reads the row and refuses.
    pub async fn begin_tokenised_write(&self, fingerprint: &str) -> Result<WriteTx, StoreError> {
        let mut tx = self.begin_write().await?;
        check(
            tx.token_key_state_locked(RowLock::Share).await?,
            fingerprint,
        )?;
        Ok(tx)
    }

    /// The recorded token key, if any start recorded one.
    pub async fn token_key_state(&self) -> Result<Option<TokenKeyState>, StoreError> {
        let row = sqlx::query(STATE_SQL).fetch_optional(&self.pool).await?;
        row.map(|row| state_of(&row)).transpose()
    }

    /// Record the key of a database that has none recorded yet (its first
    /// start since the table exists). Two hubs starting at once both try;
    /// the second insert does nothing, and each then reads what won.
    pub async fn adopt_token_key(
        &self,
        state: &TokenKeyState,
        now: &str,
    ) -> Result<TokenKeyState, StoreError> {
        sqlx::query(
            "INSERT INTO token_key_state (id, fingerprint, generations, changed_at) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&state.fingerprint)
        .bind(state.generations)
        .bind(now)
        .execute(&self.pool)
        .await?;
        self.token_key_state()
            .await?
            .ok_or_else(|| StoreError::Vocabulary("token_key_state row vanished".into()))
    }
}

impl WriteTx {
    /// The recorded token key, locked for update until the transaction
    /// ends on PostgreSQL (SQLite's write transaction is already
    /// exclusive), so two rotations cannot interleave and no tokenised
    /// write runs beside one ([`Store::begin_tokenised_write`]).
    pub async fn token_key_state_for_update(
        &mut self,
    ) -> Result<Option<TokenKeyState>, StoreError> {
        self.token_key_state_locked(RowLock::Update).await
    }

    async fn token_key_state_locked(
        &mut self,
        lock: RowLock,
    ) -> Result<Option<TokenKeyState>, StoreError> {
        let clause = match (self.backend, lock) {
            (Backend::Postgres, RowLock::Share) => " FOR SHARE",
            (Backend::Postgres, RowLock::Update) => " FOR UPDATE",
            (Backend::Sqlite, _) => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{STATE_SQL}{clause}")))
            .fetch_optional(self.conn())
            .await?;
        row.map(|row| state_of(&row)).transpose()
    }

    /// Name the key the tokens are under from now on.
    pub async fn set_token_key_state(
        &mut self,
        state: &TokenKeyState,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE token_key_state SET fingerprint = $1, generations = $2, changed_at = $3 \
             WHERE id = 1",
        )
        .bind(&state.fingerprint)
        .bind(state.generations)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Pass every non-NULL value of `column` through `rewrite` and store
    /// what it changes (`Some`). A [`TokenForm::MerchantRecord`] column's
    /// `record_sha256` is set to the SHA-256 of the new text, and each
    /// merchant's current `record_sha256` follows its current version.
    /// Returns how many rows changed.
    pub async fn rewrite_token_column(
        &mut self,
        column: &TokenColumn,
        rewrite: &mut (dyn FnMut(&str) -> Result<Option<String>, StoreError> + Send),
    ) -> Result<u64, StoreError> {
        let TokenColumn {
            table,
            column: name,
            form,
            key,
        } = *column;
        let cursor = key[0].0;
        let key_list = key.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
        let mut set = format!("{name} = $1");
        let mut next = 2;
        if form == TokenForm::MerchantRecord {
            set.push_str(", record_sha256 = $2");
            next = 3;
        }
        let condition = key
            .iter()
            .enumerate()
            .map(|(i, (k, _))| format!("{k} = ${}", next + i))
            .collect::<Vec<_>>()
            .join(" AND ");
        let update = format!("UPDATE {table} SET {set} WHERE {condition}");
        let mut after = i64::MIN;
        let mut changed = 0;
        loop {
            // A page is every row of up to PAGE cursor values, so rows that
            // share a cursor value (a screen's keys) are read together.
            let end: Option<i64> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT MAX({cursor}) AS page_end FROM (SELECT {cursor} FROM {table} \
                 WHERE {cursor} > $1 ORDER BY {cursor} LIMIT $2) AS page"
            )))
            .bind(after)
            .bind(PAGE)
            .fetch_one(self.conn())
            .await?
            .try_get("page_end")?;
            let Some(end) = end else { break };
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {key_list}, {name} AS value FROM {table} \
                 WHERE {cursor} > $1 AND {cursor} <= $2 AND {name} IS NOT NULL"
            )))
            .bind(after)
            .bind(end)
            .fetch_all(self.conn())
            .await?;
            let mut updates = Vec::new();
            for row in &rows {
                let value: String = row.try_get("value")?;
                let Some(new) = rewrite(&value)? else {
                    continue;
                };
                let mut keys = Vec::with_capacity(key.len());
                for (k, kind) in key {
                    keys.push(match kind {
                        Int => KeyValue::Int(row.try_get(*k)?),
                        Text => KeyValue::Text(row.try_get(*k)?),
                    });
                }
                updates.push((new, keys));
            }
            for (new, keys) in updates {
                let sha = crate::digest::sha256_hex(new.as_bytes());
                let mut query = sqlx::query(sqlx::AssertSqlSafe(update.clone())).bind(new);
                if form == TokenForm::MerchantRecord {
                    query = query.bind(sha);
                }
                for key in keys {
                    query = match key {
                        KeyValue::Int(v) => query.bind(v),
                        KeyValue::Text(v) => query.bind(v),
                    };
                }
                query.execute(self.conn()).await?;
                changed += 1;
            }
            after = end;
        }
        if form == TokenForm::MerchantRecord {
            sqlx::query(
                "UPDATE merchants SET record_sha256 = (SELECT v.record_sha256 \
                 FROM merchant_versions v WHERE v.merchant_pk = merchants.id \
                 AND v.version = merchants.version)",
            )
            .execute(self.conn())
            .await?;
        }
        Ok(changed)
    }
}

fn check(state: Option<TokenKeyState>, fingerprint: &str) -> Result<(), StoreError> {
    match state {
        Some(state) if state.fingerprint != fingerprint => Err(StoreError::TokenKeyChanged),
        _ => Ok(()),
    }
}

fn state_of(row: &sqlx::any::AnyRow) -> Result<TokenKeyState, StoreError> {
    Ok(TokenKeyState {
        fingerprint: row.try_get("fingerprint")?,
        generations: row.try_get("generations")?,
    })
}
