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
}

impl StoreError {
    /// Map a unique-constraint violation to [`StoreError::Conflict`].
    pub(crate) fn from_insert(error: sqlx::Error) -> StoreError {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Database(error),
        }
    }
}
