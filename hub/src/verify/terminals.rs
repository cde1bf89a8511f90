//! Terminal location reports (SPEC §6, `POST /v1/terminals/locations`) and
//! `terminal_relocated` (移机).
//!
//! An acquirer reports where it saw its terminals: a terminal number or a
//! serial number, a WGS-84 position and a time, many in one request. Each
//! report is checked on its own; a bad one gets its own error and stores
//! nothing, the good ones are stored in one transaction. A terminal is
//! looked up among the reporting acquirer's merchants only: another
//! acquirer's terminal is as unknown as one that does not exist, and the
//! answer says no more than that.
//!
//! Each report's distance is taken to the merchant's verified location: its
//! GPS, or, without one, its declared division's point, with the larger of
//! the relocation tolerance and that division's tolerance
//! ([`matcher::LocationPolicy`]). A terminal seen farther away raises or
//! grows its `terminal_relocated` alert, with its far reports as evidence.
//! A terminal moved a few km inside its city is no finding.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::alerts::{AlertChange, TerminalRelocation, terminal_relocated};
use crate::auth::{Principal, Role};
use crate::metrics::Metrics;
use crate::store::{NewTerminalReport, Store, StoreError};

/// Reports accepted in one request.
pub const MAX_REPORTS: usize = 10_000;

/// Far reports shown in an alert's evidence, newest first.
const EVIDENCE_REPORTS: i64 = 20;

/// Why a whole request was refused (a bad report is a [`ReportOutcome`]).
#[derive(Debug, Error)]
pub enum ReportError {
    /// Only acquirers report their terminals.
    #[error("only acquirer keys report terminal locations")]
    NotAnAcquirer,
    /// The body is not a JSON array of objects.
    #[error("send a JSON array of reports: {0}")]
    Malformed(String),
    /// No report at all.
    #[error("the request holds no report")]
    Empty,
    /// Too many reports.
    #[error("at most {MAX_REPORTS} reports per request")]
    TooMany,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One report as sent (also the OpenAPI document's request schema; a
/// report that does not fit is refused alone, in its outcome).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TerminalReport)]
pub struct Report {
    /// The terminal's serial number (this or `terminal_id`).
    sn: Option<String>,
    /// The acquirer's terminal id.
    terminal_id: Option<String>,
    /// Latitude where the terminal was seen (WGS-84).
    lat: f64,
    /// Longitude.
    lng: f64,
    /// When (RFC 3339).
    seen_at: String,
}

/// What became of one report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportOutcome {
    /// 0-based position in the request.
    pub index: usize,
    /// The terminal found, when it was.
    pub terminal_id: Option<String>,
    /// Its merchant (the reporter's own).
    pub merchant_id: Option<String>,
    /// Distance to the merchant's verified location, km.
    pub distance_km: Option<f64>,
    /// Whether that is beyond the tolerance.
    pub far: bool,
    /// Machine-readable error code, when the report was refused.
    pub code: Option<String>,
    /// Why.
    pub message: Option<String>,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportsResult {
    /// Reports stored.
    pub accepted: usize,
    /// Reports refused.
    pub rejected: usize,
    /// Every report's outcome, in request order.
    pub results: Vec<ReportOutcome>,
    /// `terminal_relocated` alerts raised, grown or updated.
    pub alerts: Vec<AlertChange>,
}

impl ReportOutcome {
    fn refused(index: usize, code: &str, message: impl Into<String>) -> ReportOutcome {
        ReportOutcome {
            index,
            terminal_id: None,
            merchant_id: None,
            distance_km: None,
            far: false,
            code: Some(code.to_owned()),
            message: Some(message.into()),
        }
    }
}

/// Check, store and act on a request's reports (`body`: a JSON array);
/// the alerts raised are counted in `metrics` once stored.
pub async fn report(
    store: &Store,
    principal: &Principal,
    body: &[u8],
    policy: &matcher::LocationPolicy,
    metrics: &Metrics,
) -> Result<ReportsResult, ReportError> {
    let acquirer = match (&principal.role, &principal.acquirer) {
        (Role::Acquirer, Some(acquirer)) => acquirer.clone(),
        _ => return Err(ReportError::NotAnAcquirer),
    };
    let items: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| ReportError::Malformed(e.to_string()))?;
    if items.is_empty() {
        return Err(ReportError::Empty);
    }
    if items.len() > MAX_REPORTS {
        return Err(ReportError::TooMany);
    }
    let now = crate::clock::now();
    let latest = OffsetDateTime::now_utc() + time::Duration::hours(1);
    let mut tx = store.begin_write().await?;
    let mut results = Vec::with_capacity(items.len());
    // Terminals with a far report in this request, once each.
    let mut far: Vec<(crate::store::TerminalRow, f64, &'static str)> = Vec::new();
    for (index, item) in items.into_iter().enumerate() {
        let parsed: Report = match serde_json::from_value(item) {
            Ok(report) => report,
            Err(e) => {
                results.push(ReportOutcome::refused(
                    index,
                    "invalid_report",
                    e.to_string(),
                ));
                continue;
            }
        };
        let (key, by_sn) = match (&parsed.terminal_id, &parsed.sn) {
            (Some(id), None) => (matcher::normalise::text(id), false),
            (None, Some(sn)) => match matcher::TerminalSn::parse(sn) {
                Ok(sn) => (sn.match_key(), true),
                Err(e) => {
                    results.push(ReportOutcome::refused(index, e.code(), e.to_string()));
                    continue;
                }
            },
            _ => {
                results.push(ReportOutcome::refused(
                    index,
                    "invalid_report",
                    "give exactly one of terminal_id and sn",
                ));
                continue;
            }
        };
        let at = match matcher::normalise::coordinates(parsed.lat, parsed.lng) {
            Ok(at) => at,
            Err(e) => {
                results.push(ReportOutcome::refused(index, e.code(), e.to_string()));
                continue;
            }
        };
        let seen = match OffsetDateTime::parse(&parsed.seen_at, &Rfc3339) {
            Ok(seen) if seen <= latest => seen,
            Ok(_) => {
                results.push(ReportOutcome::refused(
                    index,
                    "seen_at_in_future",
                    "seen_at is in the future",
                ));
                continue;
            }
            Err(_) => {
                results.push(ReportOutcome::refused(
                    index,
                    "invalid_seen_at",
                    "seen_at must be an RFC 3339 time with an offset (2025-03-16T11:46:20+08:00)",
                ));
                continue;
            }
        };
        let bindings = tx.find_terminals(&acquirer, &key, by_sn).await?;
        if bindings.is_empty() {
            results.push(ReportOutcome::refused(
                index,
                "unknown_terminal",
                format!(
                    "no terminal of {acquirer}'s merchants has this {}",
                    if by_sn { "sn" } else { "terminal_id" }
                ),
            ));
            continue;
        }
        // The binding it is nearest to, relative to that binding's tolerance.
        let nearest = bindings
            .into_iter()
            .filter_map(|terminal| {
                let (point, name, tolerance_km) = reference(&terminal.record, policy)?;
                let distance_m = matcher::distance_m(at, point);
                let relative = distance_m / (tolerance_km * 1000.0);
                Some((relative, terminal, name, tolerance_km, distance_m))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        let Some((_, terminal, reference_name, tolerance_km, distance_m)) = nearest else {
            results.push(ReportOutcome::refused(
                index,
                "merchant_location_unknown",
                "the terminal's merchant has neither GPS nor a known region: nothing to measure from",
            ));
            continue;
        };
        let seen_at = crate::clock::format(seen);
        tx.insert_terminal_report(&NewTerminalReport {
            merchant_pk: terminal.merchant.pk,
            terminal_id: &terminal.terminal_id,
            lat: at.lat,
            lng: at.lng,
            seen_at: &seen_at,
            distance_m,
            reported_at: &now,
            reported_by: &principal.key_id,
        })
        .await?;
        let is_far = distance_m > tolerance_km * 1000.0;
        results.push(ReportOutcome {
            index,
            terminal_id: Some(terminal.terminal_id.clone()),
            merchant_id: Some(terminal.merchant.merchant_id.clone()),
            distance_km: Some((distance_m / 100.0).round() / 10.0),
            far: is_far,
            code: None,
            message: None,
        });
        if is_far
            && !far.iter().any(|(t, _, _)| {
                t.merchant.pk == terminal.merchant.pk && t.terminal_id == terminal.terminal_id
            })
        {
            far.push((terminal, tolerance_km, reference_name));
        }
    }

    let actor = format!("reports:{}", principal.key_id);
    let mut alerts = Vec::new();
    for (terminal, tolerance_km, reference_name) in &far {
        let reports = tx
            .far_terminal_reports(
                terminal.merchant.pk,
                &terminal.terminal_id,
                tolerance_km * 1000.0,
                EVIDENCE_REPORTS,
            )
            .await?;
        let relocation = TerminalRelocation {
            merchant: &terminal.merchant,
            terminal_id: &terminal.terminal_id,
            reference: reference_name,
            tolerance_km: *tolerance_km,
            reports: &reports,
        };
        alerts.extend(terminal_relocated(&mut tx, &actor, &now, &relocation).await?);
    }
    tx.commit().await?;
    metrics.alerts_changed(&alerts);
    let accepted = results.iter().filter(|r| r.code.is_none()).count();
    Ok(ReportsResult {
        accepted,
        rejected: results.len() - accepted,
        results,
        alerts,
    })
}

/// Where a merchant is and how far from it a terminal may be: its GPS with
/// the relocation tolerance, or its declared division's point with the
/// larger of that and the division's own tolerance.
fn reference(
    record: &matcher::MerchantRecord,
    policy: &matcher::LocationPolicy,
) -> Option<(matcher::Coordinates, &'static str, f64)> {
    if let Some(gps) = record.location {
        return Some((gps, "merchant GPS", policy.relocation_km));
    }
    let division = matcher::declared_division(record)?;
    let point = matcher::division_point(division)?;
    Some((
        point,
        "declared division's point",
        policy
            .relocation_km
            .max(policy.region_tolerance_km(division)),
    ))
}
