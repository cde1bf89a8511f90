//! Alerts, their members and their history; and the group queries that
//! detection runs (which merchants share an identity, a terminal, a phone,
//! an account).

use std::collections::BTreeMap;

use sqlx::Row;
use sqlx::any::AnyRow;

use super::in_list::{rows_by_chunk, rows_in};
use super::token_index::{
    ACCOUNT, CONTACT_PHONE, KeyColumn, LEGAL_REP_ID, LEGAL_REP_PHONE, SN_KEY, USCC, lookup, prefix,
};
use super::{Store, StoreError, WriteTx};

/// A merchant as detection sees it: identity and the tokens that tie it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// Store key.
    pub pk: i64,
    /// Owning acquirer.
    pub acquirer: String,
    /// The acquirer's merchant number.
    pub merchant_id: String,
    /// Registered name.
    pub name: String,
    /// Legal representative's name.
    pub legal_rep_name: String,
    /// Token of the legal representative's document.
    pub legal_rep_id_token: String,
    /// Its masked form.
    pub legal_rep_id_masked: String,
    /// Legal representative's phone token.
    pub legal_rep_phone_token: Option<String>,
    /// Its masked form.
    pub legal_rep_phone_masked: Option<String>,
    /// Contact phone token.
    pub contact_phone_token: Option<String>,
    /// Its masked form.
    pub contact_phone_masked: Option<String>,
    /// Settlement account token.
    pub account_token: String,
    /// Its masked form.
    pub account_masked: String,
    /// `card` (a person's) or `corporate`.
    pub account_kind: String,
}

/// An alert as stored.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// Alert id.
    pub id: i64,
    /// Case type (SPEC §5).
    pub alert_type: String,
    /// `exact` / `linked` for one_person_many_merchants.
    pub subtype: Option<String>,
    /// What ties the members.
    pub group_key: String,
    /// open, confirmed or dismissed.
    pub status: String,
    /// Strength of the finding, 0–1.
    pub score: f64,
    /// JSON list of members.
    pub members: String,
    /// JSON evidence.
    pub evidence: String,
    /// Hash of members and evidence.
    pub signature: String,
    /// Number of members.
    pub member_count: i64,
    /// First raised.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Who confirmed or dismissed it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Why.
    pub reason: Option<String>,
}

/// One entry of an alert's history.
#[derive(Debug, Clone)]
pub struct AlertEventRow {
    /// When.
    pub at: String,
    /// raised, grown, reopened, confirmed, dismissed.
    pub action: String,
    /// Key id or `batch:<id>`.
    pub actor: String,
    /// Free text.
    pub detail: Option<String>,
}

/// A new or changed alert to write.
#[derive(Debug, Clone)]
pub struct AlertWrite<'a> {
    /// Case type.
    pub alert_type: &'a str,
    /// Subtype.
    pub subtype: Option<&'a str>,
    /// What ties the members.
    pub group_key: &'a str,
    /// Status to store.
    pub status: &'a str,
    /// Score.
    pub score: f64,
    /// Members JSON.
    pub members: &'a str,
    /// Evidence JSON.
    pub evidence: &'a str,
    /// Hash of members and evidence.
    pub signature: &'a str,
    /// The members' store keys and acquirers.
    pub member_keys: &'a [(i64, String)],
}

/// Filters for listing alerts.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Only this type.
    pub alert_type: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Only alerts with a member of this acquirer.
    pub acquirer: Option<String>,
    /// Updated at or after (RFC 3339 text).
    pub since: Option<String>,
    /// Updated before.
    pub until: Option<String>,
    /// Ids below this (paging, newest first).
    pub before: Option<i64>,
    /// Page size.
    pub limit: i64,
}

pub(super) const MEMBER_COLUMNS: &str = "m.id, m.acquirer, m.merchant_id, m.name, m.legal_rep_name, \
     m.legal_rep_id_token, m.legal_rep_id_masked, m.legal_rep_phone_token, m.legal_rep_phone_masked, \
     m.contact_phone_token, m.contact_phone_masked, m.account_token, m.account_masked, \
     m.account_kind";

const ALERT_COLUMNS: &str = "id, type, subtype, group_key, status, score, members, evidence, \
     signature, member_count, created_at, updated_at, decided_by, decided_at, reason";

pub(super) fn member_row(row: &AnyRow) -> Result<MemberRow, sqlx::Error> {
    Ok(MemberRow {
        pk: row.try_get("id")?,
        acquirer: row.try_get("acquirer")?,
        merchant_id: row.try_get("merchant_id")?,
        name: row.try_get("name")?,
        legal_rep_name: row.try_get("legal_rep_name")?,
        legal_rep_id_token: row.try_get("legal_rep_id_token")?,
        legal_rep_id_masked: row.try_get("legal_rep_id_masked")?,
        legal_rep_phone_token: row.try_get("legal_rep_phone_token")?,
        legal_rep_phone_masked: row.try_get("legal_rep_phone_masked")?,
        contact_phone_token: row.try_get("contact_phone_token")?,
        contact_phone_masked: row.try_get("contact_phone_masked")?,
        account_token: row.try_get("account_token")?,
        account_masked: row.try_get("account_masked")?,
        account_kind: row.try_get("account_kind")?,
    })
}

fn alert_row(row: &AnyRow) -> Result<AlertRow, sqlx::Error> {
    Ok(AlertRow {
        id: row.try_get("id")?,
        alert_type: row.try_get("type")?,
        subtype: row.try_get("subtype")?,
        group_key: row.try_get("group_key")?,
        status: row.try_get("status")?,
        score: row.try_get("score")?,
        members: row.try_get("members")?,
        evidence: row.try_get("evidence")?,
        signature: row.try_get("signature")?,
        member_count: row.try_get("member_count")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        reason: row.try_get("reason")?,
    })
}

/// At most this many merchants of one group are read: past it, a value is a
/// hub whatever its exact size.
const GROUP_LIMIT: usize = 10_000;

/// Which merchants share a value: the group queries of detection.
#[derive(Debug, Clone, Copy)]
pub enum SharedValue<'a> {
    /// The legal representative's document token.
    LegalRep(&'a str),
    /// A phone token, as legal-rep or contact phone.
    Phone(&'a str),
    /// A settlement account token.
    Account(&'a str),
    /// A terminal SN match key.
    TerminalSn(&'a str),
    /// A unified social credit code.
    Uscc(&'a str),
    /// A merchant number (any acquirer).
    MerchantId(&'a str),
}

impl SharedValue<'_> {
    /// The query listing the merchants that share this value, and its one parameter.
    pub(super) fn query(&self) -> (String, &str) {
        let (condition, bind) = match *self {
            SharedValue::LegalRep(token) => (LEGAL_REP_ID.equals("$1"), token),
            SharedValue::Phone(token) => (
                format!(
                    "({} OR {})",
                    LEGAL_REP_PHONE.equals("$1"),
                    CONTACT_PHONE.equals("$1")
                ),
                token,
            ),
            SharedValue::Account(token) => (ACCOUNT.equals("$1"), token),
            SharedValue::TerminalSn(key) => (
                format!(
                    "m.id IN (SELECT t.merchant_pk FROM terminals t WHERE {})",
                    SN_KEY.equals("$1")
                ),
                key,
            ),
            SharedValue::Uscc(uscc) => (USCC.equals("$1"), uscc),
            SharedValue::MerchantId(id) => ("m.merchant_id = $1".to_owned(), id),
        };
        (
            format!(
                "SELECT {MEMBER_COLUMNS} FROM merchants m WHERE {condition} \
                 ORDER BY m.acquirer, m.merchant_id LIMIT {GROUP_LIMIT}"
            ),
            bind,
        )
    }
}

/// A kind of value merchants share, for the set-wise group queries of a
/// detection slice ([`WriteTx::merchants_sharing_any`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharedKind {
    /// Legal representatives' document tokens.
    LegalRep,
    /// Phone tokens, as legal-rep or contact phone.
    Phone,
    /// Settlement account tokens.
    Account,
    /// Terminal SN match keys.
    TerminalSn,
}

impl SharedKind {
    /// The statement counting the merchants that hold each of `n` values of
    /// this kind, in columns `shared` and `n`, and how many times over the
    /// values are bound (in order). A merchant counts once per value, so a
    /// phone that one merchant gives as both its legal-rep and its contact
    /// phone is not shared: most merchants give their own phone twice, and
    /// counting it twice made nearly every phone a group to read.
    pub(super) fn count_statement(self, n: usize) -> (String, usize) {
        let by_column = |column: KeyColumn| {
            let (holds, times) = column.holds_any(n);
            let name = column.name();
            (
                format!(
                    "SELECT {name} AS shared, COUNT(*) AS n FROM merchants m \
                     WHERE {holds} GROUP BY {name}"
                ),
                times,
            )
        };
        match self {
            SharedKind::LegalRep => by_column(LEGAL_REP_ID),
            SharedKind::Phone => {
                let (legal_rep, first) = LEGAL_REP_PHONE.holds_any(n);
                let (contact, second) = CONTACT_PHONE.holds_any(n);
                (
                    format!(
                        "SELECT p.shared, COUNT(DISTINCT p.id) AS n FROM (\
                         SELECT m.id, m.legal_rep_phone_token AS shared FROM merchants m \
                         WHERE {legal_rep} \
                         UNION ALL SELECT m.id, m.contact_phone_token FROM merchants m \
                         WHERE {contact}) p GROUP BY p.shared"
                    ),
                    first + second,
                )
            }
            SharedKind::Account => by_column(ACCOUNT),
            SharedKind::TerminalSn => {
                let (holds, times) = SN_KEY.holds_any(n);
                (
                    format!(
                        "SELECT t.sn_key AS shared, COUNT(DISTINCT t.merchant_pk) AS n \
                         FROM terminals t WHERE {holds} GROUP BY t.sn_key"
                    ),
                    times,
                )
            }
        }
    }

    /// A statement whose rows are every value of this kind that two or
    /// more merchants hold, counted as [`count_statement`](Self::count_statement)
    /// counts, in column `shared`.
    ///
    /// A token kind is counted in two steps: first the token prefixes two
    /// or more merchants hold, a scan of the prefix index alone (asking
    /// for anything the index does not hold made SQLite visit a million
    /// table rows in index order, about 3 s a kind at 1,000,000 merchants,
    /// where the index alone takes 0.3 s), then the whole tokens of the
    /// few merchants holding those prefixes (see `token_index.rs`).
    fn shared_values(self) -> String {
        match self {
            SharedKind::LegalRep => shared_tokens(LEGAL_REP_ID),
            SharedKind::Phone => {
                let (legal_rep, contact) =
                    (prefix(LEGAL_REP_PHONE.name()), prefix(CONTACT_PHONE.name()));
                let shared_prefixes = format!(
                    "SELECT q.prefix FROM (\
                     SELECT m.id, {legal_rep} AS prefix FROM merchants m \
                     WHERE {legal_rep} IS NOT NULL \
                     UNION ALL SELECT m.id, {contact} FROM merchants m \
                     WHERE {contact} IS NOT NULL) q \
                     GROUP BY q.prefix HAVING COUNT(DISTINCT q.id) >= 2"
                );
                format!(
                    "SELECT p.shared FROM (\
                     SELECT m.id, m.legal_rep_phone_token AS shared FROM merchants m \
                     WHERE {legal_rep} IN ({shared_prefixes}) \
                     UNION ALL SELECT m.id, m.contact_phone_token FROM merchants m \
                     WHERE {contact} IN ({shared_prefixes})) p \
                     GROUP BY p.shared HAVING COUNT(DISTINCT p.id) >= 2"
                )
            }
            SharedKind::Account => shared_tokens(ACCOUNT),
            // Two terminal rows of one SN are most often two merchants'; the
            // few that are one merchant's two terminals are counted again
            // by merchant.
            SharedKind::TerminalSn => {
                "SELECT s.shared FROM (SELECT sn_key AS shared FROM terminals \
                 WHERE sn_key IS NOT NULL GROUP BY sn_key HAVING COUNT(*) >= 2) s \
                 WHERE (SELECT COUNT(DISTINCT t.merchant_pk) FROM terminals t \
                 WHERE t.sn_key = s.shared) >= 2"
                    .to_owned()
            }
        }
    }

    /// [`shared_values`](Self::shared_values) with each value's masked
    /// form in `masked` (an SN's match key is not secret: it is its own
    /// masked form), read for the shared values only. A token's masked
    /// form is a function of the value, so any holder's will do.
    pub(super) fn held_by_several(self) -> String {
        let masked_by = |masked: &str, column: KeyColumn| {
            format!(
                "(SELECT m.{masked} FROM merchants m WHERE {} LIMIT 1)",
                column.equals("s.shared")
            )
        };
        let masked = match self {
            SharedKind::LegalRep => masked_by("legal_rep_id_masked", LEGAL_REP_ID),
            SharedKind::Phone => format!(
                "COALESCE({}, {})",
                masked_by("legal_rep_phone_masked", LEGAL_REP_PHONE),
                masked_by("contact_phone_masked", CONTACT_PHONE)
            ),
            SharedKind::Account => masked_by("account_masked", ACCOUNT),
            SharedKind::TerminalSn => "s.shared".to_owned(),
        };
        format!(
            "SELECT s.shared, {masked} AS masked FROM ({}) s",
            self.shared_values()
        )
    }

    /// The statements whose rows are the merchants sharing a value of this
    /// kind, the value in column `shared`, each without its `WHERE` and
    /// with the column it finds merchants by.
    pub(super) fn lookups(self) -> Vec<(String, KeyColumn)> {
        let by_column = |column: KeyColumn| {
            (
                format!(
                    "SELECT {} AS shared, {MEMBER_COLUMNS} FROM merchants m",
                    column.name()
                ),
                column,
            )
        };
        match self {
            SharedKind::LegalRep => vec![by_column(LEGAL_REP_ID)],
            SharedKind::Phone => vec![by_column(LEGAL_REP_PHONE), by_column(CONTACT_PHONE)],
            SharedKind::Account => vec![by_column(ACCOUNT)],
            SharedKind::TerminalSn => vec![(
                format!(
                    "SELECT DISTINCT t.sn_key AS shared, {MEMBER_COLUMNS} FROM terminals t \
                     JOIN merchants m ON m.id = t.merchant_pk"
                ),
                SN_KEY,
            )],
        }
    }
}

/// The statement of [`WriteTx::members_that_may_tie`].
pub(super) fn members_that_may_tie() -> String {
    let shared = SharedKind::shared_values;
    format!(
        "WITH reps AS ({reps}), phones AS ({phones}), accounts AS ({accounts}) \
         SELECT {MEMBER_COLUMNS} FROM merchants m \
         WHERE {rep_held} OR {phone_held} \
         OR (m.account_kind = 'card' AND {account_held}) \
         OR m.id IN (SELECT left_pk FROM match_links UNION SELECT right_pk FROM match_links) \
         ORDER BY m.id",
        reps = shared(SharedKind::LegalRep),
        phones = shared(SharedKind::Phone),
        accounts = shared(SharedKind::Account),
        rep_held = LEGAL_REP_ID.in_set("reps"),
        phone_held = LEGAL_REP_PHONE.in_set("phones"),
        account_held = ACCOUNT.in_set("accounts"),
    )
}

/// Every token of `column` that two or more merchants hold, in column
/// `shared`: the prefixes held more than once, then the whole tokens of
/// their holders.
///
/// The prefixes are materialised first because SQLite reads an indexed
/// expression from its index in a plain scan but not in an aggregate: a
/// `GROUP BY` straight over the table would visit every merchant's row.
fn shared_tokens(column: KeyColumn) -> String {
    let (name, prefix) = (column.name(), prefix(column.name()));
    format!(
        "SELECT {name} AS shared FROM merchants m WHERE {prefix} IN (\
         WITH q AS MATERIALIZED (SELECT {prefix} AS prefix FROM merchants m) \
         SELECT prefix FROM q GROUP BY prefix HAVING COUNT(*) >= 2) \
         GROUP BY {name} HAVING COUNT(*) >= 2"
    )
}

/// The merchants sharing each value, each group in acquirer and merchant
/// number order, as [`WriteTx::merchants_sharing`] gives one group.
pub type Groups = std::collections::HashMap<String, Vec<MemberRow>>;

impl WriteTx {
    /// Which of `values` (of one kind) two or more merchants hold: counting
    /// reads a few entries of the value's index and the rows they point to
    /// (most values are one merchant's), so detection reads the members of
    /// shared values only.
    pub async fn shared_among(
        &mut self,
        kind: SharedKind,
        values: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let mut shared = Vec::new();
        let (conn, backend) = self.conn_for_lists();
        let statement = |n| kind.count_statement(n);
        for row in rows_by_chunk(conn, backend, statement, &[], values).await? {
            let n: i64 = row.try_get("n")?;
            if n >= 2 {
                shared.push(row.try_get::<String, _>("shared")?);
            }
        }
        shared.sort();
        shared.dedup();
        Ok(shared)
    }

    /// Every value of `kind` that two or more merchants hold, with its
    /// masked form: what [`shared_among`](Self::shared_among) answers for a
    /// list, for the whole store at once. A rebuild starts from these
    /// instead of from every merchant's values, which at a million
    /// merchants would be millions of tokens held in memory and bound into
    /// statements, for the few thousand that anyone shares.
    pub async fn all_shared(
        &mut self,
        kind: SharedKind,
    ) -> Result<BTreeMap<String, String>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(kind.held_by_several()))
            .fetch_all(self.conn())
            .await?;
        let shared = rows
            .iter()
            .map(|row| Ok((row.try_get("shared")?, row.try_get("masked")?)))
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(shared)
    }

    /// The merchants whose legal representative a rebuild's linked-cluster
    /// detection may tie to another person, in key order: holders of a
    /// legal-rep document, a legal-rep phone or a personal card that
    /// another merchant holds too, and every merchant with a fuzzy link
    /// (in this transaction). A merchant with none of these is a cluster of
    /// one.
    pub async fn members_that_may_tie(&mut self) -> Result<Vec<MemberRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(members_that_may_tie()))
            .fetch_all(self.conn())
            .await?;
        Ok(rows.iter().map(member_row).collect::<Result<_, _>>()?)
    }

    /// The merchants sharing each of `values` (of one kind), grouped by
    /// value: what [`merchants_sharing`](Self::merchants_sharing) answers for
    /// one value, for a whole slice in a few statements. A value nobody
    /// holds has no group.
    pub async fn merchants_sharing_any(
        &mut self,
        kind: SharedKind,
        values: &[String],
    ) -> Result<Groups, StoreError> {
        let mut groups = Groups::new();
        for (select, column) in kind.lookups() {
            let (conn, backend) = self.conn_for_lists();
            let statement = |n| lookup(&select, column, n);
            for row in rows_by_chunk(conn, backend, statement, &[], values).await? {
                let shared: String = row.try_get("shared")?;
                let member = member_row(&row)?;
                let group = groups.entry(shared).or_default();
                // One merchant may hold a phone both as legal-rep and as
                // contact phone, or carry two terminals of one SN.
                if !group.iter().any(|m| m.pk == member.pk) {
                    group.push(member);
                }
            }
        }
        for group in groups.values_mut() {
            group.sort_by(|a, b| (&a.acquirer, &a.merchant_id).cmp(&(&b.acquirer, &b.merchant_id)));
            group.truncate(GROUP_LIMIT);
        }
        Ok(groups)
    }

    /// The merchants sharing a value, ordered by acquirer and merchant number.
    pub async fn merchants_sharing(
        &mut self,
        value: SharedValue<'_>,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let (sql, bind) = value.query();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(bind)
            .fetch_all(self.conn())
            .await?;
        Ok(rows.iter().map(member_row).collect::<Result<_, _>>()?)
    }

    /// The distinct spellings of a terminal SN stored under one match key.
    pub async fn terminal_sn_spellings(&mut self, key: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT sn FROM terminals WHERE sn_key = $1 AND sn IS NOT NULL ORDER BY sn",
        )
        .bind(key)
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|row| Ok(row.try_get("sn")?)).collect()
    }

    /// The alert of a type tied by a key, if any.
    pub async fn find_alert(
        &mut self,
        alert_type: &str,
        group_key: &str,
    ) -> Result<Option<AlertRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE type = $1 AND group_key = $2"
        )))
        .bind(alert_type)
        .bind(group_key)
        .fetch_optional(self.conn())
        .await?;
        Ok(row.as_ref().map(alert_row).transpose()?)
    }

    /// Alerts of a type and subtype that already include any of these merchants, oldest first.
    pub async fn alerts_touching(
        &mut self,
        alert_type: &str,
        subtype: &str,
        merchant_pks: &[i64],
    ) -> Result<Vec<AlertRow>, StoreError> {
        // From the members to their alerts, never the other way: SQLite,
        // with no statistics, would start from every alert of the type (a
        // few thousand at 1,000,000 merchants, 4 ms a call) and probe each
        // for the merchants. `CROSS JOIN` is how SQLite is told the order
        // (PostgreSQL plans it as any join).
        let prefix = "SELECT DISTINCT am.alert_id AS id FROM alert_members am CROSS JOIN alerts a \
             WHERE a.id = am.alert_id AND a.type = ? AND a.subtype = ? AND am.merchant_pk IN (";
        let (conn, backend) = self.conn_for_lists();
        let mut ids: Vec<i64> =
            rows_in(conn, backend, prefix, &[alert_type, subtype], merchant_pks)
                .await?
                .iter()
                .map(|row| row.try_get("id"))
                .collect::<Result<_, _>>()?;
        ids.sort_unstable();
        ids.dedup();
        let (conn, backend) = self.conn_for_lists();
        let rows = rows_in(
            conn,
            backend,
            &format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id IN ("),
            &[],
            &ids,
        )
        .await?;
        let mut found = rows.iter().map(alert_row).collect::<Result<Vec<_>, _>>()?;
        found.sort_by_key(|a| a.id);
        Ok(found)
    }

    /// Store a new alert; returns its id.
    pub async fn insert_alert(
        &mut self,
        alert: &AlertWrite<'_>,
        now: &str,
    ) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "INSERT INTO alerts (type, subtype, group_key, status, score, members, evidence, \
             signature, member_count, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(alert.alert_type)
        .bind(alert.subtype)
        .bind(alert.group_key)
        .bind(alert.status)
        .bind(alert.score)
        .bind(alert.members)
        .bind(alert.evidence)
        .bind(alert.signature)
        .bind(alert.member_keys.len() as i64)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        self.set_alert_members(id, alert.member_keys).await?;
        Ok(id)
    }

    /// Rewrite an alert's content (members, evidence, status).
    pub async fn update_alert(
        &mut self,
        id: i64,
        alert: &AlertWrite<'_>,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alerts SET status = $1, score = $2, members = $3, evidence = $4, signature = $5, \
             member_count = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(alert.status)
        .bind(alert.score)
        .bind(alert.members)
        .bind(alert.evidence)
        .bind(alert.signature)
        .bind(alert.member_keys.len() as i64)
        .bind(now)
        .bind(id)
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM alert_members WHERE alert_id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        self.set_alert_members(id, alert.member_keys).await
    }

    async fn set_alert_members(
        &mut self,
        id: i64,
        members: &[(i64, String)],
    ) -> Result<(), StoreError> {
        for (pk, acquirer) in members {
            sqlx::query(
                "INSERT INTO alert_members (alert_id, merchant_pk, acquirer) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(*pk)
            .bind(acquirer)
            .execute(self.conn())
            .await?;
        }
        Ok(())
    }

    /// Append to an alert's history.
    pub async fn add_alert_event(
        &mut self,
        id: i64,
        at: &str,
        action: &str,
        actor: &str,
        detail: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alert_events (alert_id, seq, at, action, actor, detail) \
             VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM alert_events WHERE alert_id = $1), \
             $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(action)
        .bind(actor)
        .bind(detail)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Record an analyst's decision.
    pub async fn decide_alert(
        &mut self,
        id: i64,
        status: &str,
        by: &str,
        reason: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE alerts SET status = $1, decided_by = $2, reason = $3, decided_at = $4, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(by)
        .bind(reason)
        .bind(at)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

impl Store {
    /// The merchants sharing a value (read side, outside any write).
    pub async fn merchants_sharing(
        &self,
        value: SharedValue<'_>,
    ) -> Result<Vec<MemberRow>, StoreError> {
        let (sql, bind) = value.query();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(bind)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(member_row).collect::<Result<_, _>>()?)
    }

    /// One alert.
    pub async fn get_alert(&self, id: i64) -> Result<Option<AlertRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(alert_row).transpose()?)
    }

    /// Acquirers with a member in an alert, or allowed to view it (the
    /// acquirer of a screen a retro alert concerns).
    pub async fn alert_acquirers(&self, id: i64) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT acquirer FROM alert_members WHERE alert_id = $1 \
             UNION SELECT acquirer FROM alert_viewers WHERE alert_id = $1 ORDER BY acquirer",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(row.try_get("acquirer")?))
            .collect()
    }

    /// An alert's history, oldest first.
    pub async fn alert_events(&self, id: i64) -> Result<Vec<AlertEventRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, action, actor, detail FROM alert_events WHERE alert_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertEventRow {
                    at: row.try_get("at")?,
                    action: row.try_get("action")?,
                    actor: row.try_get("actor")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Alerts matching a filter, newest first.
    pub async fn list_alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ALERT_COLUMNS} FROM alerts \
             WHERE ($1 IS NULL OR type = $1) AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR id IN (SELECT alert_id FROM alert_members WHERE acquirer = $3 \
             UNION SELECT alert_id FROM alert_viewers WHERE acquirer = $3)) \
             AND ($4 IS NULL OR updated_at >= $4) AND ($5 IS NULL OR updated_at < $5) \
             AND ($6 IS NULL OR id < $6) ORDER BY id DESC LIMIT $7"
        )))
        .bind(&filter.alert_type)
        .bind(&filter.status)
        .bind(&filter.acquirer)
        .bind(&filter.since)
        .bind(&filter.until)
        .bind(filter.before)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(alert_row).collect::<Result<_, _>>()?)
    }
}
