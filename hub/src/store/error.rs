use thiserror::Error;

/// Failures of the storage layer. None of them carries row data: messages
/// may reach logs.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL names neither SQLite nor PostgreSQL.
    #[error("unsupported database URL: use sqlite://PATH or postgres://…")]
    UnsupportedUrl,
    /// A migration could not be applied.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database refused or failed a statement.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A stored JSON document could not be read back.
    #[error("stored document is corrupt")]
    Corrupt(#[from] serde_json::Error),
    /// A stored word is outside the vocabulary this hub knows.
    #[error("stored value is outside the vocabulary: {0}")]
    Vocabulary(String),
    /// A unique constraint rejected the write (e.g. a batch uploaded twice at once).
    #[error("conflicting write")]
    Conflict,
    /// The stored tokens are under another token key than this process's:
    /// the key was rotated while it ran (`crate::token_rotation`).
    #[error(
        "the token key was rotated since this hub started: restart it with the new \
         secrets/token.key"
    )]
    TokenKeyChanged,
}

impl StoreError {
    /// Whether the database is unreachable or going away rather than the
    /// statement wrong: the request may succeed if retried later, so the
    /// API answers 503 `store_unavailable`, not 500.
    ///
    /// Besides a pool that found no connection in time and a socket that
    /// failed, this covers what PostgreSQL itself says when it is stopped
    /// under a running statement (issue 6): SQLSTATE class 08 (connection
    /// exception), 57P01–57P03 (`admin_shutdown` from `pg_ctl stop`,
    /// `crash_shutdown`, `cannot_connect_now` while it starts again) and
    /// 53300 (`too_many_connections`).
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Database(error) = self else {
            return false;
        };
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
            }),
            _ => false,
        }
    }

    /// Map a unique-constraint violation to [`StoreError::Conflict`].
    pub(crate) fn from_insert(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn a_dead_connection_or_an_exhausted_pool_is_unavailable_and_a_bad_statement_is_not() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(StoreError::Database(sqlx::Error::Io(io)).is_unavailable());
        assert!(StoreError::Database(sqlx::Error::PoolTimedOut).is_unavailable());
        assert!(StoreError::Database(sqlx::Error::PoolClosed).is_unavailable());
        assert!(!StoreError::Database(sqlx::Error::RowNotFound).is_unavailable());
        assert!(!StoreError::Conflict.is_unavailable());
    }
}
