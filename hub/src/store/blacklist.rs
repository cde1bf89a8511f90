//! The SQL of the blacklist, its feed and the kept screens (SPEC §7, §8).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows, rows_by_chunk, rows_in};
use super::token_index::{
    ACCOUNT, CONTACT_PHONE, KeyColumn, LEGAL_REP_ID, LEGAL_REP_PHONE, SN_KEY, USCC, lookup,
};
use super::{Backend, Store, StoreError, WriteTx};

/// A stored blacklist entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    /// Entry id.
    pub id: i64,
    /// `merchant`, `person`, …
    pub subject_type: String,
    /// Reason code.
    pub reason: String,
    /// Penalty.
    pub penalty: String,
    /// `reported`, `active`, `rejected` or `removed`.
    pub status: String,
    /// Acquirer code, or `association`.
    pub reporter: String,
    /// Key id that reported it.
    pub reported_by: String,
    /// The reporter's own reference.
    pub external_ref: Option<String>,
    /// Evidence text.
    pub evidence: String,
    /// JSON `matcher::ListedSubject`.
    pub subject: String,
    /// Subject name, for lists.
    pub display_name: Option<String>,
    /// When it lapses.
    pub expires_at: Option<String>,
    /// When it became active.
    pub listed_at: Option<String>,
    /// Why it was removed.
    pub removal: Option<String>,
    /// Reported at.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// A new report.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// What it lists.
    pub subject_type: &'a str,
    /// Reason code.
    pub reason: &'a str,
    /// Penalty.
    pub penalty: &'a str,
    /// Acquirer code or `association`.
    pub reporter: &'a str,
    /// Key id.
    pub reported_by: &'a str,
    /// The reporter's own reference.
    pub external_ref: Option<&'a str>,
    /// Evidence text.
    pub evidence: &'a str,
    /// JSON `matcher::ListedSubject`.
    pub subject: &'a str,
    /// Subject name, for lists.
    pub display_name: Option<&'a str>,
    /// Expiry asked for.
    pub expires_at: Option<&'a str>,
}

/// A status change of an entry.
#[derive(Debug, Clone)]
pub struct EntryChange<'a> {
    /// New status.
    pub status: &'a str,
    /// New penalty.
    pub penalty: &'a str,
    /// Expiry.
    pub expires_at: Option<&'a str>,
    /// Listed at.
    pub listed_at: Option<&'a str>,
    /// Removal reason.
    pub removal: Option<&'a str>,
}

/// One recorded transition.
#[derive(Debug, Clone, PartialEq)]
pub struct TransitionRow {
    /// When.
    pub at: String,
    /// From (None for the report).
    pub from_status: Option<String>,
    /// To.
    pub to_status: String,
    /// Key id or `system`.
    pub actor: String,
    /// Why.
    pub note: String,
}

/// One stored feed event.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEventRow {
    /// Position.
    pub seq: i64,
    /// Entry.
    pub entry_id: i64,
    /// add, update, remove.
    pub action: String,
    /// When.
    pub at: String,
    /// Hex.
    pub prev_hash: String,
    /// Hex.
    pub hash: String,
    /// Hex.
    pub signature: String,
    /// Canonical JSON.
    pub payload: String,
}

/// A kept screen.
#[derive(Debug, Clone)]
pub struct ScreeningRow {
    /// Id.
    pub id: i64,
    /// When.
    pub at: String,
    /// Screening acquirer.
    pub acquirer: Option<String>,
    /// Its merchant_id.
    pub merchant_id: String,
    /// JSON `matcher::MerchantRecord`.
    pub record: String,
}

/// A screen to keep.
#[derive(Debug, Clone)]
pub struct NewScreening<'a> {
    /// When.
    pub at: &'a str,
    /// Key id.
    pub key_id: &'a str,
    /// Screening acquirer.
    pub acquirer: Option<&'a str>,
    /// Purpose code.
    pub purpose: &'a str,
    /// merchant_id.
    pub merchant_id: &'a str,
    /// JSON record.
    pub record: &'a str,
    /// Decision.
    pub decision: &'a str,
    /// JSON hits.
    pub hits: &'a str,
    /// Kept until.
    pub expires_at: &'a str,
    /// Its screening keys (`matcher::record_keys`).
    pub keys: &'a [String],
}

/// Filters for listing entries.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only this subject type.
    pub subject_type: Option<String>,
    /// Only this reporter.
    pub reporter: Option<String>,
    /// Restrict to what an acquirer may see: active and removed entries,
    /// plus its own reports in any status.
    pub visible_to: Option<String>,
    /// Ids below this (paging, newest first).
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
}

const ENTRY_COLUMNS: &str = "id, subject_type, reason, penalty, status, reporter, reported_by, \
     external_ref, evidence, subject, display_name, expires_at, listed_at, removal, created_at, \
     updated_at";

fn entry_row(row: &AnyRow) -> Result<EntryRow, sqlx::Error> {
    Ok(EntryRow {
        id: row.try_get("id")?,
        subject_type: row.try_get("subject_type")?,
        reason: row.try_get("reason")?,
        penalty: row.try_get("penalty")?,
        status: row.try_get("status")?,
        reporter: row.try_get("reporter")?,
        reported_by: row.try_get("reported_by")?,
        external_ref: row.try_get("external_ref")?,
        evidence: row.try_get("evidence")?,
        subject: row.try_get("subject")?,
        display_name: row.try_get("display_name")?,
        expires_at: row.try_get("expires_at")?,
        listed_at: row.try_get("listed_at")?,
        removal: row.try_get("removal")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn feed_row(row: &AnyRow) -> Result<FeedEventRow, sqlx::Error> {
    Ok(FeedEventRow {
        seq: row.try_get("seq")?,
        entry_id: row.try_get("entry_id")?,
        action: row.try_get("action")?,
        at: row.try_get("at")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        signature: row.try_get("signature")?,
        payload: row.try_get("payload")?,
    })
}

impl WriteTx {
    /// Store a report; `None` when the reporter already reported this
    /// `external_ref` (a re-import adds nothing).
    pub async fn insert_entry(
        &mut self,
        entry: &NewEntry<'_>,
        now: &str,
    ) -> Result<Option<i64>, StoreError> {
        if let Some(reference) = entry.external_ref {
            let existing = sqlx::query(
                "SELECT id FROM blacklist_entries WHERE reporter = $1 AND external_ref = $2",
            )
            .bind(entry.reporter)
            .bind(reference)
            .fetch_optional(self.conn())
            .await?;
            if existing.is_some() {
                return Ok(None);
            }
        }
        let row = sqlx::query(
            "INSERT INTO blacklist_entries (subject_type, reason, penalty, status, reporter, \
             reported_by, external_ref, evidence, subject, display_name, expires_at, created_at, \
             updated_at) VALUES ($1, $2, $3, 'reported', $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             RETURNING id",
        )
        .bind(entry.subject_type)
        .bind(entry.reason)
        .bind(entry.penalty)
        .bind(entry.reporter)
        .bind(entry.reported_by)
        .bind(entry.external_ref)
        .bind(entry.evidence)
        .bind(entry.subject)
        .bind(entry.display_name)
        .bind(entry.expires_at)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(Some(row.try_get("id")?))
    }

    /// The ids of every active entry, in order.
    pub async fn active_entry_ids(&mut self) -> Result<Vec<i64>, StoreError> {
        let rows =
            sqlx::query("SELECT id FROM blacklist_entries WHERE status = 'active' ORDER BY id")
                .fetch_all(self.conn())
                .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// An entry, locked for the rest of the transaction on PostgreSQL (on
    /// SQLite the whole transaction is the lock).
    pub async fn entry_for_update(&mut self, id: i64) -> Result<Option<EntryRow>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM blacklist_entries WHERE id = $1{lock}"
        )))
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.as_ref().map(entry_row).transpose()?)
    }

    /// Change an entry's status and what goes with it.
    pub async fn update_entry(
        &mut self,
        id: i64,
        change: &EntryChange<'_>,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE blacklist_entries SET status = $1, penalty = $2, expires_at = $3, \
             listed_at = $4, removal = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(change.status)
        .bind(change.penalty)
        .bind(change.expires_at)
        .bind(change.listed_at)
        .bind(change.removal)
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Record a transition.
    pub async fn add_transition(
        &mut self,
        entry_id: i64,
        transition: &TransitionRow,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO blacklist_transitions (entry_id, seq, at, from_status, to_status, actor, \
             note) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM blacklist_transitions \
             WHERE entry_id = $1), $2, $3, $4, $5, $6)",
        )
        .bind(entry_id)
        .bind(&transition.at)
        .bind(&transition.from_status)
        .bind(&transition.to_status)
        .bind(&transition.actor)
        .bind(&transition.note)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// The feed's head, locked until the transaction ends: appends by two
    /// hubs on one PostgreSQL queue here instead of racing for a seq.
    pub async fn feed_head_for_update(&mut self) -> Result<(i64, String), StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT seq, hash FROM feed_head WHERE id = 1{lock}"
        )))
        .fetch_one(self.conn())
        .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    /// Append an event and move the head to it.
    pub async fn append_feed_event(&mut self, event: &FeedEventRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO feed_events (seq, entry_id, action, at, prev_hash, hash, signature, \
             payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.seq)
        .bind(event.entry_id)
        .bind(&event.action)
        .bind(&event.at)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .bind(&event.signature)
        .bind(&event.payload)
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE feed_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(event.seq)
            .bind(&event.hash)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Keep a screen; its id.
    pub async fn insert_screening(&mut self, screen: &NewScreening<'_>) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO screenings (at, key_id, acquirer, purpose, merchant_id, record, \
             decision, hits, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(screen.at)
        .bind(screen.key_id)
        .bind(screen.acquirer)
        .bind(screen.purpose)
        .bind(screen.merchant_id)
        .bind(screen.record)
        .bind(screen.decision)
        .bind(screen.hits)
        .bind(screen.expires_at)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        // One multi-row statement for the keys: a screen is on the request path.
        for chunk in screen.keys.chunks(MAX_INSERT_PARAMS / 2) {
            let sql = format!(
                "INSERT INTO screening_keys (key, screening_id) VALUES {}",
                rows(chunk.len(), 2)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for key in chunk {
                query = query.bind(key).bind(id);
            }
            query.execute(self.conn()).await?;
        }
        Ok(id)
    }

    /// Screens still kept at `now` that share one of `keys`, oldest first.
    pub async fn screenings_with_keys(
        &mut self,
        now: &str,
        keys: &[String],
    ) -> Result<Vec<ScreeningRow>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        let sql = "SELECT DISTINCT s.id, s.at, s.acquirer, s.merchant_id, s.record \
                   FROM screenings s JOIN screening_keys k ON k.screening_id = s.id \
                   WHERE s.expires_at > ? AND k.key IN (";
        let mut found = Vec::new();
        for row in rows_in(conn, backend, sql, &[now], keys).await? {
            found.push(ScreeningRow {
                id: row.try_get("id")?,
                at: row.try_get("at")?,
                acquirer: row.try_get("acquirer")?,
                merchant_id: row.try_get("merchant_id")?,
                record: row.try_get("record")?,
            });
        }
        found.sort_by_key(|s| s.id);
        found.dedup_by_key(|s| s.id);
        Ok(found)
    }

    /// Merchants holding any of these identifiers (retro screening's exact
    /// candidates): USCCs, legal-rep document tokens, phone tokens, account
    /// tokens and terminal SN match keys.
    pub async fn merchants_with_identifiers(
        &mut self,
        ids: &Identifiers,
    ) -> Result<Vec<i64>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        let mut pks = Vec::new();
        let values: [&[String]; 6] = [
            &ids.usccs,
            &ids.person_ids,
            &ids.phones,
            &ids.phones,
            &ids.accounts,
            &ids.sn_keys,
        ];
        for ((select, column), values) in IDENTIFIER_LOOKUPS.into_iter().zip(values) {
            if values.is_empty() {
                continue;
            }
            let statement = |n| lookup(select, column, n);
            for row in rows_by_chunk(&mut *conn, backend, statement, &[], values).await? {
                pks.push(row.try_get::<i64, _>("id")?);
            }
        }
        pks.sort_unstable();
        pks.dedup();
        Ok(pks)
    }

    /// The store keys of an alert's members, as this transaction sees them.
    pub async fn alert_member_pks(&mut self, alert_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT merchant_pk FROM alert_members WHERE alert_id = $1")
            .bind(alert_id)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("merchant_pk")?))
            .collect()
    }

    /// Let `acquirer` see alert `alert_id` (a retro alert on its screen).
    pub async fn add_alert_viewer(
        &mut self,
        alert_id: i64,
        acquirer: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_viewers (alert_id, acquirer) VALUES ($1, $2) \
             ON CONFLICT (alert_id, acquirer) DO NOTHING",
        )
        .bind(alert_id)
        .bind(acquirer)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

/// Identifiers to look merchants up by.
#[derive(Debug, Clone, Default)]
pub struct Identifiers {
    /// USCCs.
    pub usccs: Vec<String>,
    /// Legal-rep document tokens.
    pub person_ids: Vec<String>,
    /// Phone tokens (legal-rep or contact).
    pub phones: Vec<String>,
    /// Account tokens.
    pub accounts: Vec<String>,
    /// Terminal SN match keys.
    pub sn_keys: Vec<String>,
}

impl Store {
    /// One entry.
    pub async fn get_entry(&self, id: i64) -> Result<Option<EntryRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM blacklist_entries WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(entry_row).transpose()?)
    }

    /// Entries matching a filter, newest first.
    pub async fn list_entries(&self, filter: &EntryFilter) -> Result<Vec<EntryRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ENTRY_COLUMNS} FROM blacklist_entries \
             WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR subject_type = $2) \
             AND ($3 IS NULL OR reporter = $3) \
             AND ($4 IS NULL OR status IN ('active', 'removed') OR reporter = $4) \
             AND ($5 IS NULL OR id < $5) ORDER BY id DESC LIMIT $6"
        )))
        .bind(&filter.status)
        .bind(&filter.subject_type)
        .bind(&filter.reporter)
        .bind(&filter.visible_to)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(entry_row).collect::<Result<_, _>>()?)
    }

    /// An entry's transitions, oldest first.
    pub async fn entry_transitions(&self, id: i64) -> Result<Vec<TransitionRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, from_status, to_status, actor, note FROM blacklist_transitions \
             WHERE entry_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TransitionRow {
                    at: row.try_get("at")?,
                    from_status: row.try_get("from_status")?,
                    to_status: row.try_get("to_status")?,
                    actor: row.try_get("actor")?,
                    note: row.try_get("note")?,
                })
            })
            .collect()
    }

    /// Active entries whose expiry has passed at `now`.
    pub async fn entries_due_to_expire(&self, now: &str) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT id FROM blacklist_entries WHERE status = 'active' AND expires_at <= $1 \
             ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("id")?)).collect()
    }

    /// The feed's head.
    pub async fn feed_head(&self) -> Result<(i64, String), StoreError> {
        let row = sqlx::query("SELECT seq, hash FROM feed_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    /// Feed events after `after`, at most `limit`, in order.
    pub async fn feed_events(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<FeedEventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, entry_id, action, at, prev_hash, hash, signature, payload \
             FROM feed_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(feed_row).collect::<Result<_, _>>()?)
    }

    /// Forget screens past their retention; how many.
    pub async fn purge_screenings(&self, now: &str) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM screening_keys WHERE screening_id IN \
             (SELECT id FROM screenings WHERE expires_at <= $1)",
        )
        .bind(now)
        .execute(tx.conn())
        .await?;
        let done = sqlx::query("DELETE FROM screenings WHERE expires_at <= $1")
            .bind(now)
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// How many stored merchants hold any of `values` in `field`, and at
    /// how many acquirers: `field` is `legal_rep_id_token`, `uscc`,
    /// `account_token`, `phone` (legal-rep or contact) or `sn_key`.
    pub async fn presence(&self, field: &str, values: &[String]) -> Result<(i64, i64), StoreError> {
        let n = values.len().min(100);
        let values = &values[..n];
        let (sql, repeat) = presence_statement(field, n)?;
        let mut query = sqlx::query(for_backend(&sql, self.backend));
        for _ in 0..repeat {
            for value in values {
                query = query.bind(value.clone());
            }
        }
        let row = query.fetch_one(&self.pool).await?;
        Ok((row.try_get("merchants")?, row.try_get("acquirers")?))
    }
}

/// Where retro screening looks for each of its [`Identifiers`]' lists, in
/// the order `merchants_with_identifiers` lists them: the `SELECT` of the
/// holders' store keys (as `id`) and the column they hold them in.
pub(super) const IDENTIFIER_LOOKUPS: [(&str, KeyColumn); 6] = [
    ("SELECT m.id FROM merchants m", USCC),
    ("SELECT m.id FROM merchants m", LEGAL_REP_ID),
    ("SELECT m.id FROM merchants m", LEGAL_REP_PHONE),
    ("SELECT m.id FROM merchants m", CONTACT_PHONE),
    ("SELECT m.id FROM merchants m", ACCOUNT),
    ("SELECT t.merchant_pk AS id FROM terminals t", SN_KEY),
];

/// The statement of [`Store::presence`] for `n` values of `field`, and how
/// many times over the values are bound.
pub(super) fn presence_statement(field: &str, n: usize) -> Result<(String, usize), StoreError> {
    let (condition, repeat) = match field {
        "legal_rep_id_token" => LEGAL_REP_ID.holds_any(n),
        "uscc" => USCC.holds_any(n),
        "account_token" => ACCOUNT.holds_any(n),
        "phone" => {
            let (legal_rep, first) = LEGAL_REP_PHONE.holds_any(n);
            let (contact, second) = CONTACT_PHONE.holds_any(n);
            (format!("{legal_rep} OR {contact}"), first + second)
        }
        "sn_key" => {
            let (holds, times) = SN_KEY.holds_any(n);
            (
                format!("m.id IN (SELECT t.merchant_pk FROM terminals t WHERE {holds})"),
                times,
            )
        }
        other => {
            return Err(StoreError::Vocabulary(format!(
                "no presence query for {other}"
            )));
        }
    };
    let sql = format!(
        "SELECT COUNT(*) AS merchants, COUNT(DISTINCT m.acquirer) AS acquirers \
             FROM merchants m WHERE {condition}"
    );
    Ok((sql, repeat))
}
