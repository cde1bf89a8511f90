//! How merchants are found by a key they hold, and the one rule that keeps
//! those lookups on an index.
//!
//! The four token columns of `merchants` (legal representative's document,
//! legal-rep phone, contact phone, settlement account) are indexed on the
//! first [`PREFIX_DIGITS`] hex digits of the token, not on the whole token
//! (migrations `0009`/`0010_token_prefix_indexes.sql`). A token is 64 hex
//! digits of HMAC: an index on it is mostly key, and every new merchant
//! dirties a random leaf of each such index. At 1,000,000 merchants the four
//! were 80 MB apiece and most of the pages a 10,000-merchant batch wrote to
//! the write-ahead log; on their prefixes they are about a quarter of that
//! and a batch writes about half as many pages for them
//! (`scripts/sqlite-token-indexes.py`, docs/performance.md).
//!
//! Both databases use an index on an expression only for a condition on
//! that same expression, so a statement that looks merchants up by a token
//! must say `substr(column, 1, 12) = …` as well as `column = …`: the first
//! finds the rows through the index, the second keeps only the rows whose
//! whole token matches (48 bits tell a million tokens apart, so a shared
//! prefix is rare, and it costs a row read, never a wrong answer). A
//! statement that names the column alone still answers correctly, by
//! reading every merchant. The conditions here are written once so that no
//! statement has to remember this; `tests::every_lookup_by_a_key_uses_an_index`
//! asks each database's planner about every one of them.
//!
//! The other keys merchants are found by (USCC, merchant number, terminal SN
//! match key) are short and indexed whole.

use super::in_list::marks;

/// Hex digits of a token that its index holds.
pub(super) const PREFIX_DIGITS: usize = 12;

/// A column merchants (or their terminals) are found by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyColumn {
    /// A token column, indexed on its prefix: the column as the statement
    /// names it (`m.account_token`, or unqualified).
    Token(&'static str),
    /// A column indexed whole.
    Whole(&'static str),
}

impl KeyColumn {
    /// The column, as statements name it.
    pub(super) fn name(self) -> &'static str {
        match self {
            KeyColumn::Token(column) | KeyColumn::Whole(column) => column,
        }
    }

    /// The condition that the column holds one of `n` values bound as `?`,
    /// and how many times over the values are bound, in order.
    pub(super) fn holds_any(self, n: usize) -> (String, usize) {
        let values = marks(n);
        match self {
            KeyColumn::Token(column) => {
                let prefixes = vec![prefix("?"); n].join(", ");
                (
                    format!(
                        "({} IN ({prefixes}) AND {column} IN ({values}))",
                        prefix(column)
                    ),
                    2,
                )
            }
            KeyColumn::Whole(column) => (format!("{column} IN ({values})"), 1),
        }
    }

    /// The condition that the column equals `value` (a `$N` parameter or
    /// another column), which it may name more than once.
    pub(super) fn equals(self, value: &str) -> String {
        match self {
            KeyColumn::Token(column) => format!(
                "({} = {} AND {column} = {value})",
                prefix(column),
                prefix(value)
            ),
            KeyColumn::Whole(column) => format!("{column} = {value}"),
        }
    }

    /// The condition that the column holds one of the values in column
    /// `shared` of `set` (a table or a common table expression, which the
    /// condition names more than once).
    pub(super) fn in_set(self, set: &str) -> String {
        match self {
            KeyColumn::Token(column) => format!(
                "({} IN (SELECT {} FROM {set}) AND {column} IN (SELECT shared FROM {set}))",
                prefix(column),
                prefix("shared")
            ),
            KeyColumn::Whole(column) => format!("{column} IN (SELECT shared FROM {set})"),
        }
    }
}

/// `{select} WHERE` the column holds one of `n` values, and how many times
/// over the values are bound: a statement for `in_list::rows_by_chunk`.
pub(super) fn lookup(select: &str, column: KeyColumn, n: usize) -> (String, usize) {
    let (holds, times) = column.holds_any(n);
    (format!("{select} WHERE {holds}"), times)
}

/// The indexed expression of a token column (or of a value compared with
/// one), written exactly as the migrations write it.
pub(super) fn prefix(expression: &str) -> String {
    format!("substr({expression}, 1, {PREFIX_DIGITS})")
}

/// The legal representative's document token of merchant `m`.
pub(super) const LEGAL_REP_ID: KeyColumn = KeyColumn::Token("m.legal_rep_id_token");
/// The legal representative's phone token of merchant `m`.
pub(super) const LEGAL_REP_PHONE: KeyColumn = KeyColumn::Token("m.legal_rep_phone_token");
/// The contact phone token of merchant `m`.
pub(super) const CONTACT_PHONE: KeyColumn = KeyColumn::Token("m.contact_phone_token");
/// The settlement account token of merchant `m`.
pub(super) const ACCOUNT: KeyColumn = KeyColumn::Token("m.account_token");
/// The unified social credit code of merchant `m`.
pub(super) const USCC: KeyColumn = KeyColumn::Whole("m.uscc");
/// The SN match key of terminal `t`.
pub(super) const SN_KEY: KeyColumn = KeyColumn::Whole("t.sn_key");

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use rand::Rng;
    use sqlx::Row;

    use super::super::alerts::{self, SharedKind, SharedValue};
    use super::super::blacklist::{IDENTIFIER_LOOKUPS, presence_statement};
    use super::super::in_list::for_backend;
    use super::super::{Backend, PoolSettings, Store};
    use super::*;

    const KINDS: [SharedKind; 4] = [
        SharedKind::LegalRep,
        SharedKind::Phone,
        SharedKind::Account,
        SharedKind::TerminalSn,
    ];

    /// One connection, so PostgreSQL's `SET enable_seqscan` holds for
    /// every statement asked about.
    const ONE_CONNECTION: PoolSettings = PoolSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
    };

    /// The steps of the plan of `sql`, its `binds` parameters bound to a
    /// token-like value.
    async fn plan(store: &Store, sql: &str, binds: usize) -> Vec<String> {
        let (explain, column) = match store.backend {
            Backend::Sqlite => ("EXPLAIN QUERY PLAN", "detail"),
            Backend::Postgres => ("EXPLAIN", "QUERY PLAN"),
        };
        let explain = format!("{explain} {}", for_backend(sql, store.backend).0);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(explain));
        for _ in 0..binds {
            query = query.bind("0123456789abcdef");
        }
        let rows = query.fetch_all(&store.pool).await.expect("a plan");
        rows.iter()
            .map(|row| row.try_get::<String, _>(column).expect("a step"))
            .collect()
    }

    /// The steps of a plan that read every merchant or terminal.
    ///
    /// On SQLite: a `SCAN` of the table, or of an index that does not
    /// cover the statement, or of any index unless `whole_index_allowed`.
    ///
    /// On PostgreSQL, asked with sequential scans disabled (on empty
    /// tables it would rightly choose them for everything): a sequential
    /// scan, which it still plans where no index serves, or an index scan
    /// with no `Index Cond`, its other way of reading every row (the whole
    /// primary key, say). The rebuild's statements may read everything:
    /// PostgreSQL reads an expression index's table rows anyway, and a
    /// sequential read of them is its best plan.
    fn scans(backend: Backend, plan: &[String], whole_index_allowed: bool) -> Vec<String> {
        let reads_every_row = |step: &str| {
            let table = step
                .strip_prefix("SCAN ")
                .map(|rest| rest.split(' ').next());
            matches!(table, Some(Some("m" | "t" | "merchants" | "terminals")))
                && !(whole_index_allowed && step.contains("USING COVERING INDEX"))
        };
        match backend {
            Backend::Sqlite => plan
                .iter()
                .filter(|step| reads_every_row(step))
                .cloned()
                .collect(),
            Backend::Postgres if whole_index_allowed => Vec::new(),
            Backend::Postgres => postgres_scans(plan),
        }
    }

    /// The scan nodes of a PostgreSQL text plan (one line a row: a node,
    /// then its properties, indented) that read every merchant or terminal.
    fn postgres_scans(plan: &[String]) -> Vec<String> {
        let on_a_key_table =
            |node: &str| node.contains(" on merchants") || node.contains(" on terminals");
        let mut scans = Vec::new();
        let mut lines = plan.iter().peekable();
        while let Some(line) = lines.next() {
            let node = line.trim_start().trim_start_matches("->").trim_start();
            let mut has_index_condition = false;
            while let Some(property) = lines.next_if(|next| !next.contains("->")) {
                has_index_condition |= property.trim_start().starts_with("Index Cond:");
            }
            let whole =
                node.starts_with("Seq Scan") || (node.starts_with("Index") && !has_index_condition);
            if whole && on_a_key_table(node) {
                scans.push(node.to_owned());
            }
        }
        scans
    }

    #[tokio::test]
    async fn every_lookup_by_a_key_uses_an_index_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("plans.sqlite3").display()
        );
        let store = Store::connect(&url, ONE_CONNECTION).await.unwrap();
        every_lookup_by_a_key_uses_an_index(&store).await;
    }

    /// On the PostgreSQL server scripts/test.sh starts (`MHUB_TEST_PG_URL`),
    /// in a database of its own; skipped without one unless
    /// `MHUB_REQUIRE_PG=1`.
    #[tokio::test]
    async fn every_lookup_by_a_key_uses_an_index_on_postgres() {
        use sqlx::{Connection, Executor};
        let Ok(base) = std::env::var("MHUB_TEST_PG_URL") else {
            assert_ne!(
                std::env::var("MHUB_REQUIRE_PG").as_deref(),
                Ok("1"),
                "MHUB_REQUIRE_PG=1 but MHUB_TEST_PG_URL is not set"
            );
            eprintln!("skipped: set MHUB_TEST_PG_URL to run the PostgreSQL variant");
            return;
        };
        let mut bytes = [0u8; 8];
        rand::rng().fill_bytes(&mut bytes);
        let name = format!("mhub_plans_{}", hex::encode(bytes));
        let mut admin = sqlx::PgConnection::connect(&base).await.unwrap();
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let (root, query) = match base.split_once('?') {
            Some((head, query)) => (head, format!("?{query}")),
            None => (base.as_str(), String::new()),
        };
        let root = root.rsplit_once('/').map_or(root, |(root, _)| root);
        let store = Store::connect(&format!("{root}/{name}{query}"), ONE_CONNECTION)
            .await
            .unwrap();
        sqlx::query("SET enable_seqscan = off")
            .execute(&store.pool)
            .await
            .unwrap();
        every_lookup_by_a_key_uses_an_index(&store).await;
        store.close().await;
        admin
            .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE {name}")))
            .await
            .unwrap();
    }

    async fn every_lookup_by_a_key_uses_an_index(store: &Store) {
        let n = 3;
        // (what, statement, parameters, whether a scan of a whole index is
        // expected: only the rebuild's, which reads every shared value)
        let mut statements: Vec<(String, String, usize, bool)> = Vec::new();
        for value in [
            SharedValue::LegalRep("x"),
            SharedValue::Phone("x"),
            SharedValue::Account("x"),
            SharedValue::TerminalSn("x"),
            SharedValue::Uscc("x"),
            SharedValue::MerchantId("x"),
        ] {
            let (sql, _) = value.query();
            statements.push((format!("{value:?}"), sql, 1, false));
        }
        for kind in KINDS {
            let (sql, times) = kind.count_statement(n);
            statements.push((format!("count {kind:?}"), sql, n * times, false));
            for (select, column) in kind.lookups() {
                let (sql, times) = lookup(&select, column, n);
                statements.push((
                    format!("members {kind:?} by {column:?}"),
                    sql,
                    n * times,
                    false,
                ));
            }
            statements.push((
                format!("all shared {kind:?}"),
                kind.held_by_several(),
                0,
                true,
            ));
        }
        statements.push((
            "members that may tie".into(),
            alerts::members_that_may_tie(),
            0,
            true,
        ));
        for (select, column) in IDENTIFIER_LOOKUPS {
            let (sql, times) = lookup(select, column, n);
            statements.push((format!("screening by {column:?}"), sql, n * times, false));
        }
        for field in [
            "legal_rep_id_token",
            "uscc",
            "account_token",
            "phone",
            "sn_key",
        ] {
            let (sql, times) = presence_statement(field, n).unwrap();
            statements.push((format!("presence of {field}"), sql, n * times, false));
        }

        let mut failures = Vec::new();
        for (what, sql, binds, whole_index_allowed) in &statements {
            let plan = plan(store, sql, *binds).await;
            let scans = scans(store.backend, &plan, *whole_index_allowed);
            if !scans.is_empty() {
                failures.push(format!("{what}: {scans:?} in {plan:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));

        // The check can fail: a token looked up by the whole column alone
        // reads every merchant.
        let whole = plan(
            store,
            "SELECT m.id FROM merchants m WHERE m.account_token = ?",
            1,
        )
        .await;
        match store.backend {
            // Flagged even where a whole index may be read: SQLite reads
            // the table itself, exactly once.
            Backend::Sqlite => assert_eq!(
                scans(Backend::Sqlite, &whole, true),
                vec!["SCAN m".to_owned()],
                "{whole:?}"
            ),
            // PostgreSQL's plan text varies (a sequential scan, or with
            // `enable_seqscan = off` an index read without a condition).
            Backend::Postgres => assert!(
                !scans(Backend::Postgres, &whole, false).is_empty(),
                "{whole:?}"
            ),
        }
    }
}
