//! The store: every SQL statement the hub runs lives under this module.
//!
//! One code path serves both backends. Queries are runtime `sqlx::query` calls
//! through the `Any` driver with `$N` placeholders, which SQLite and
//! PostgreSQL both accept (set-wise statements over thousands of values
//! write `?` instead and are numbered for PostgreSQL: see `in_list.rs`); the schema differs only where the DDL must
//! (identity columns, float type), in `migrations/sqlite` and
//! `migrations/postgres`. Compile-time checked `query!` macros would bind us
//! to one backend and to a database at build time, so we do not use them.
//!
//! SQLite allows one writer at a time. Rather than let concurrent batches
//! fight over the file lock (and fail with `SQLITE_BUSY` after the busy
//! timeout), the store serialises write transactions on SQLite with an
//! in-process mutex; PostgreSQL needs no such lock.

mod alerts;
mod audit;
mod batches;
mod blacklist;
mod error;
mod in_list;
mod keys;
mod links;
mod merchants;
mod photos;
mod terminals;
mod token_index;
mod token_key;

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, SqlSafeStr};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use alerts::{
    AlertEventRow, AlertFilter, AlertRow, AlertWrite, Groups, MemberRow, SharedKind, SharedValue,
};
pub use audit::{AuditFilter, AuditRow};
pub use batches::{BatchCounts, BatchIssueRow, BatchRow, NewBatch};
pub use blacklist::{
    EntryChange, EntryFilter, EntryRow, FeedEventRow, Identifiers, NewEntry, NewScreening,
    ScreeningRow, TransitionRow,
};
pub use error::StoreError;
pub use keys::{KeyRow, NewKey, Rotation};
pub use links::LinkRow;
pub use merchants::{MerchantRow, MerchantVersionRow, UpsertOutcome};
pub use photos::{PhotoHashes, PhotoHolder, PhotoMeta, PhotoPair};
pub use terminals::{NewTerminalReport, TerminalReportRow, TerminalRow};
pub use token_key::{TOKEN_COLUMNS, TokenColumn, TokenForm, TokenKeyState};

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: one file in the data directory, WAL mode.
    Sqlite,
    /// The production store, shared by several hub processes.
    Postgres,
}

impl Backend {
    /// Recognise the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// Short name for logs and `/healthz`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool plus what the hub needs to know about the backend behind it.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Serialises write transactions on SQLite (see the module docs).
    write_lock: Arc<Mutex<()>>,
}

/// A write transaction; on SQLite it also holds the store's write lock.
pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Make everything written in this transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }

    /// Drop everything written in this transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.tx.rollback().await?;
        Ok(())
    }

    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// The connection and the backend, for the set-wise statements of
    /// `in_list`.
    fn conn_for_lists(&mut self) -> (&mut sqlx::AnyConnection, Backend) {
        (&mut self.tx, self.backend)
    }
}

/// Which set of tables a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// Everything the hub keeps (on PostgreSQL, the audit log too).
    Hub,
    /// The audit log alone: the separate SQLite file of
    /// [`crate::audit`], so audit appends never queue behind a batch's write
    /// transaction on the main file.
    Audit,
}

fn migrations(backend: Backend, schema: Schema) -> Migrator {
    // Embedded at compile time: the binary carries its schema, no sqlx-cli or
    // migrations folder is needed where the hub runs.
    let sql: &[(i64, &str, &'static str)] = match (backend, schema) {
        (Backend::Sqlite, Schema::Audit) => &[(
            1,
            "audit",
            include_str!("../../../migrations/sqlite-audit/0001_audit.sql"),
        )],
        // PostgreSQL has no writer lock to dodge: one database holds all.
        (Backend::Postgres, Schema::Audit) => return migrations(backend, Schema::Hub),
        (Backend::Sqlite, Schema::Hub) => &[
            (
                1,
                "foundation",
                include_str!("../../../migrations/sqlite/0001_foundation.sql"),
            ),
            (
                2,
                "alerts",
                include_str!("../../../migrations/sqlite/0002_alerts.sql"),
            ),
            (
                3,
                "links",
                include_str!("../../../migrations/sqlite/0003_links.sql"),
            ),
            (
                4,
                "verification",
                include_str!("../../../migrations/sqlite/0004_verification.sql"),
            ),
            (
                5,
                "blacklist",
                include_str!("../../../migrations/sqlite/0005_blacklist.sql"),
            ),
            (
                6,
                "key rotation",
                include_str!("../../../migrations/sqlite/0006_key_rotation.sql"),
            ),
            (
                7,
                "metrics role",
                include_str!("../../../migrations/sqlite/0007_metrics_role.sql"),
            ),
            (
                8,
                "token key",
                include_str!("../../../migrations/sqlite/0008_token_key.sql"),
            ),
            (
                9,
                "token prefix indexes",
                include_str!("../../../migrations/sqlite/0009_token_prefix_indexes.sql"),
            ),
            (
                10,
                "merchant number index",
                include_str!("../../../migrations/sqlite/0010_merchant_number_index.sql"),
            ),
        ],
        (Backend::Postgres, Schema::Hub) => &[
            (
                1,
                "foundation",
                include_str!("../../../migrations/postgres/0001_foundation.sql"),
            ),
            (
                2,
                "alerts",
                include_str!("../../../migrations/postgres/0002_alerts.sql"),
            ),
            (
                3,
                "links",
                include_str!("../../../migrations/postgres/0003_links.sql"),
            ),
            (
                4,
                "verification",
                include_str!("../../../migrations/postgres/0004_verification.sql"),
            ),
            (
                5,
                "blacklist",
                include_str!("../../../migrations/postgres/0005_blacklist.sql"),
            ),
            (
                6,
                "key rotation",
                include_str!("../../../migrations/postgres/0006_key_rotation.sql"),
            ),
            (
                7,
                "audit",
                include_str!("../../../migrations/postgres/0007_audit.sql"),
            ),
            (
                8,
                "metrics role",
                include_str!("../../../migrations/postgres/0008_metrics_role.sql"),
            ),
            (
                9,
                "token key",
                include_str!("../../../migrations/postgres/0009_token_key.sql"),
            ),
            (
                10,
                "token prefix indexes",
                include_str!("../../../migrations/postgres/0010_token_prefix_indexes.sql"),
            ),
            (
                11,
                "merchant number index",
                include_str!("../../../migrations/postgres/0011_merchant_number_index.sql"),
            ),
        ],
    };
    Migrator::with_migrations(
        sql.iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// A store's connection pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Open connections waiting for work.
    pub idle: u32,
    /// Open connections lent to a query or transaction.
    pub in_use: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// How many connections a store keeps and how long a request waits for one.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    /// The longest a query waits for a connection before it fails with
    /// [`StoreError::is_unavailable`] (a 503). sqlx retries a refused
    /// connection until this deadline, so it is also how long a request
    /// takes to be refused while the database is down: short enough that
    /// clients see the outage at once and back off, long enough that a busy
    /// pool under a burst of uploads does not refuse them.
    pub acquire_timeout: Duration,
}

impl Store {
    /// Connect and bring the schema up to date.
    ///
    /// For SQLite the file is created if missing and switched to WAL mode, so
    /// readers never block the writer and a crash loses nothing committed.
    #[tracing::instrument(skip(url))]
    pub async fn connect(url: &str, pool: PoolSettings) -> Result<Store, StoreError> {
        Store::connect_schema(url, pool, Schema::Hub).await
    }

    /// Connect to a database holding `schema` and bring it up to date.
    pub async fn connect_schema(
        url: &str,
        pool: PoolSettings,
        schema: Schema,
    ) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(pool.max_connections)
            .acquire_timeout(pool.acquire_timeout);
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // journal_mode is persistent in the file; synchronous and
                    // foreign_keys are per connection. NORMAL is durable in WAL
                    // mode against process crashes (the kill -9 case); only an
                    // OS crash can lose the last transactions.
                    //
                    // cache_size: SQLite's default page cache is 2 MiB per
                    // connection. A batch's transaction dirties far more
                    // (merchants, versions, and random inserts into five
                    // indexes of tokens), and a full cache makes SQLite spill
                    // dirty pages to the WAL in the middle of the transaction
                    // and read them back: 7% of ingest's time at 100,000
                    // merchants (docs/performance.md). 64 MiB holds a
                    // 10,000-row batch's pages at that size. The cache fills
                    // only as a connection touches pages, so the cost is at
                    // most 64 MiB per pooled connection, and only for those
                    // that read or write that much.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                         PRAGMA cache_size = -65536;",
                    )
                    .await?;
                    Ok(())
                })
            });
        }
        let pool = options.connect(url).await?;
        migrations(backend, schema).run(&pool).await?;
        Ok(Store {
            pool,
            backend,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    /// Which backend this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Start a write transaction.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let (guard, tx) = match self.backend {
            // IMMEDIATE takes SQLite's write lock at BEGIN, so another process
            // holding it (a second hub, `mhub reindex`) makes us wait out the
            // busy timeout instead of failing at the first write.
            Backend::Sqlite => (
                Some(self.write_lock.clone().lock_owned().await),
                self.pool.begin_with("BEGIN IMMEDIATE").await?,
            ),
            Backend::Postgres => (None, self.pool.begin().await?),
        };
        Ok(WriteTx {
            tx,
            backend: self.backend,
            _guard: guard,
        })
    }

    /// How many connections the pool holds, idle and lent out, and its
    /// ceiling: read from the pool itself, so it costs no round trip.
    pub fn pool_status(&self) -> PoolStatus {
        // `size` counts every open connection and `num_idle` those waiting;
        // they are read one after the other, so clamp rather than underflow
        // when a connection is returned in between.
        let size = self.pool.size();
        let idle = u32::try_from(self.pool.num_idle())
            .unwrap_or(u32::MAX)
            .min(size);
        PoolStatus {
            idle,
            in_use: size - idle,
            max: self.pool.options().get_max_connections(),
        }
    }

    /// Close every connection (used before a clean shutdown).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
