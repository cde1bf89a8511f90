//! Terminals by the acquirer's numbers, and the location reports about them.

use sqlx::Row;

use super::alerts::{MEMBER_COLUMNS, member_row};
use super::{MemberRow, StoreError, WriteTx};

/// A terminal found for a report, with its merchant.
#[derive(Debug, Clone)]
pub struct TerminalRow {
    /// The terminal number.
    pub terminal_id: String,
    /// Its merchant.
    pub merchant: MemberRow,
    /// The merchant's current record (its GPS and declared region).
    pub record: matcher::MerchantRecord,
}

/// A stored location report.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalReportRow {
    /// Where.
    pub lat: f64,
    /// Where.
    pub lng: f64,
    /// When the terminal was seen there.
    pub seen_at: String,
    /// Distance to the merchant's verified location, metres.
    pub distance_m: f64,
}

/// A report to store.
#[derive(Debug, Clone)]
pub struct NewTerminalReport<'a> {
    /// The merchant.
    pub merchant_pk: i64,
    /// The terminal.
    pub terminal_id: &'a str,
    /// Where (WGS-84).
    pub lat: f64,
    /// Where.
    pub lng: f64,
    /// When seen.
    pub seen_at: &'a str,
    /// Distance to the merchant's verified location, metres.
    pub distance_m: f64,
    /// When reported.
    pub reported_at: &'a str,
    /// Key id of the reporter.
    pub reported_by: &'a str,
}

impl WriteTx {
    /// The acquirer's terminals with this terminal number, or whose SN has
    /// this match key (`by_sn`): one device may be bound to several
    /// merchant numbers (一机多号), and each binding is returned.
    pub async fn find_terminals(
        &mut self,
        acquirer: &str,
        key: &str,
        by_sn: bool,
    ) -> Result<Vec<TerminalRow>, StoreError> {
        let column = if by_sn { "t.sn_key" } else { "t.terminal_id" };
        let sql = format!(
            "SELECT t.terminal_id AS found_terminal, v.record AS current_record, {MEMBER_COLUMNS} \
             FROM terminals t JOIN merchants m ON m.id = t.merchant_pk \
             JOIN merchant_versions v ON v.merchant_pk = m.id AND v.version = m.version \
             WHERE m.acquirer = $1 AND {column} = $2 ORDER BY m.id, t.terminal_id LIMIT 100"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(acquirer)
            .bind(key)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|row| {
                let record: String = row.try_get("current_record")?;
                Ok(TerminalRow {
                    terminal_id: row.try_get("found_terminal")?,
                    merchant: member_row(row)?,
                    record: serde_json::from_str(&record)?,
                })
            })
            .collect()
    }

    /// Store a location report (a sighting stored before is kept once).
    pub async fn insert_terminal_report(
        &mut self,
        report: &NewTerminalReport<'_>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO terminal_reports (merchant_pk, terminal_id, lat, lng, seen_at, distance_m, \
             reported_at, reported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (merchant_pk, terminal_id, seen_at, lat, lng) DO NOTHING",
        )
        .bind(report.merchant_pk)
        .bind(report.terminal_id)
        .bind(report.lat)
        .bind(report.lng)
        .bind(report.seen_at)
        .bind(report.distance_m)
        .bind(report.reported_at)
        .bind(report.reported_by)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// A terminal's reports at least `min_distance_m` from its merchant,
    /// newest first, at most `limit`.
    pub async fn far_terminal_reports(
        &mut self,
        merchant_pk: i64,
        terminal_id: &str,
        min_distance_m: f64,
        limit: i64,
    ) -> Result<Vec<TerminalReportRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT lat, lng, seen_at, distance_m FROM terminal_reports \
             WHERE merchant_pk = $1 AND terminal_id = $2 AND distance_m > $3 \
             ORDER BY seen_at DESC, id DESC LIMIT $4",
        )
        .bind(merchant_pk)
        .bind(terminal_id)
        .bind(min_distance_m)
        .bind(limit)
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(TerminalReportRow {
                    lat: row.try_get("lat")?,
                    lng: row.try_get("lng")?,
                    seen_at: row.try_get("seen_at")?,
                    distance_m: row.try_get("distance_m")?,
                })
            })
            .collect()
    }
}
