//! Set-wise statements: `… IN (?, …, ?)` over a list of keys, one statement
//! per chunk of [`CHUNK`] keys, and multi-row `INSERT … VALUES (…), (…)`.
//!
//! Detection, linking and ingest work a slice of thousands of merchants at a
//! time. One statement per key would cost a round trip to the database each
//! (on SQLite, a hop to its worker thread and back), which is what bounded
//! ingest at a few hundred rows per second; one statement per chunk makes the
//! database's own work the cost.
//!
//! These statements are written with `?` placeholders and pass through
//! [`for_backend`]: SQLite keeps the anonymous `?`, PostgreSQL (which has no
//! `?`) gets `$1, $2, …`. Anonymous parameters matter on SQLite: a driver
//! binding `$N` asks SQLite for each parameter's name, a linear scan of the
//! statement's parameters, so a 2,000-parameter insert spent milliseconds
//! looking names up; `?` has no name to look up. The one rule this asks of
//! a statement: parameters are bound in the order their `?` appear.

use sqlx::any::{Any, AnyRow};

use super::{Backend, StoreError};

/// Keys bound per `IN` statement.
pub(super) const CHUNK: usize = 500;

/// Parameters per multi-row `INSERT`: rows per statement are this divided by
/// the columns.
pub(super) const MAX_INSERT_PARAMS: usize = 2_000;

/// `?, ?, …`: `n` placeholders.
pub(super) fn marks(n: usize) -> String {
    let mut out = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out
}

/// `(?, …), (?, …), …`: the `VALUES` of `rows` rows of `columns` columns.
pub(super) fn rows(rows: usize, columns: usize) -> String {
    let row = format!("({})", marks(columns));
    vec![row; rows].join(", ")
}

/// The statement with its `?` placeholders as `backend` takes them (see the
/// module documentation). Our statements never hold a `?` in a literal.
pub(super) fn for_backend(sql: &str, backend: Backend) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(match backend {
        Backend::Sqlite => sql.to_owned(),
        Backend::Postgres => {
            let mut out = String::with_capacity(sql.len() + sql.len() / 2);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push('$');
                    out.push_str(&n.to_string());
                } else {
                    out.push(c);
                }
            }
            out
        }
    })
}

/// The rows of `prefix` (which ends in `IN (`) for each chunk of `keys`: the
/// prefix's own `?` are bound to `fixed`, then the chunk's keys.
pub(super) async fn rows_in<T>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    prefix: &str,
    fixed: &[&str],
    keys: &[T],
) -> Result<Vec<AnyRow>, StoreError>
where
    T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Clone + Send + Sync,
{
    let statement = |n| (format!("{prefix}{})", marks(n)), 1);
    rows_by_chunk(conn, backend, statement, fixed, keys).await
}

/// The rows of `statement(n)` for each chunk of `n` of `keys`: the
/// statement names how many times over it binds the chunk, and its `?` are
/// bound to `fixed`, then the chunk's keys that many times.
pub(super) async fn rows_by_chunk<T>(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    statement: impl Fn(usize) -> (String, usize),
    fixed: &[&str],
    keys: &[T],
) -> Result<Vec<AnyRow>, StoreError>
where
    T: for<'q> sqlx::Encode<'q, Any> + sqlx::Type<Any> + Clone + Send + Sync,
{
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let (sql, times) = statement(chunk.len());
        let mut query = sqlx::query(for_backend(&sql, backend));
        for value in fixed {
            query = query.bind(*value);
        }
        for _ in 0..times {
            for key in chunk {
                query = query.bind(key.clone());
            }
        }
        out.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_gets_numbered_parameters_in_order_and_sqlite_keeps_question_marks() {
        let sql = format!("SELECT 1 WHERE a = ? AND b IN ({})", marks(3));
        assert_eq!(
            for_backend(&sql, Backend::Postgres).0,
            "SELECT 1 WHERE a = $1 AND b IN ($2, $3, $4)"
        );
        assert_eq!(for_backend(&sql, Backend::Sqlite).0, sql);
    }

    #[test]
    fn rows_repeat_one_tuple_per_row() {
        assert_eq!(rows(2, 3), "(?, ?, ?), (?, ?, ?)");
        assert_eq!(marks(0), "");
    }
}
