//! The hub's metrics, served by `GET /metrics` in the Prometheus text format
//! (0.0.4).
//!
//! One registry per hub process, owned here. Domain modules count what they
//! did through the small typed functions of [`Metrics`] (a batch stored, an
//! alert raised, a screen answered), after their transaction commits, so a
//! rolled-back batch counts nothing. The HTTP counters are fed by the accept
//! loop (`crate::serve`), which sees every answer.
//!
//! Gauges that mirror stored state (the feed head, how far the candidate
//! index is behind the store, the connection pool) are read when scraped,
//! not kept up to date as things happen: several hubs share one PostgreSQL,
//! and a batch stored by one moves the others' index lag and feed head
//! without them doing anything. Reading at scrape time makes each hub report
//! the truth.
//!
//! Label values are all from small closed sets (row error codes, case types,
//! route templates, status codes), never a merchant number or a raw path:
//! every label value is a new series in Prometheus, and a path can carry an
//! identifier.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use thiserror::Error;

use crate::alerts::AlertChange;
use crate::linking::{LinkError, Linker};
use crate::store::{PoolStatus, Store, StoreError};

/// The `Content-Type` of a scrape's answer.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Why a scrape could not be answered.
#[derive(Debug, Error)]
pub enum MetricsError {
    /// Reading the stored state failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading the candidate index's position failed.
    #[error(transparent)]
    Linking(#[from] LinkError),
    /// Encoding failed (writing to a `String` does not; a bug if it does).
    #[error("metrics could not be encoded")]
    Encode(#[from] std::fmt::Error),
}

/// What happened to an uploaded batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Stored, some rows perhaps refused.
    Stored,
    /// The same bytes again: the first answer was returned.
    Replayed,
    /// All-or-nothing with a bad row: nothing stored.
    Refused,
}

impl BatchOutcome {
    fn as_str(self) -> &'static str {
        match self {
            BatchOutcome::Stored => "stored",
            BatchOutcome::Replayed => "replayed",
            BatchOutcome::Refused => "refused",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CodeLabel {
    code: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

/// Case types are strings in the alert rows; the set is closed (SPEC §5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct TypeLabel {
    r#type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RouteLabel {
    route: &'static str,
}

/// HTTP latency buckets: 5 ms to about 41 s (uploads of large batches are
/// the slow end).
fn http_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 14))
}

/// Every metric of the hub, and the registry that encodes them.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    rows_ingested: Counter,
    rows_rejected: Family<CodeLabel, Counter>,
    batches: Family<OutcomeLabel, Counter>,
    alerts_raised: Family<TypeLabel, Counter>,
    screening_duration: Histogram,
    feed_head_seq: Gauge,
    index_lag_batches: Gauge,
    record_cache_forms: Gauge,
    pool_connections: Family<StateLabel, Gauge>,
    pool_max_connections: Gauge,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: Family<RouteLabel, Histogram, fn() -> Histogram>,
    /// One scrape at a time: each sets the stored-state gauges and then
    /// encodes, and two interleaved could encode the other's older values.
    scrape: tokio::sync::Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        // Counters get their `_total` suffix from the encoder.
        let rows_ingested = Counter::default();
        registry.register(
            "mhub_rows_ingested",
            "Batch rows stored (created, updated or unchanged)",
            rows_ingested.clone(),
        );
        let rows_rejected = Family::<CodeLabel, Counter>::default();
        registry.register(
            "mhub_rows_rejected",
            "Batch rows refused, by row error code; a row refused for errors of two codes counts once under each",
            rows_rejected.clone(),
        );
        let batches = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "mhub_batches",
            "Uploaded batches, by outcome: stored, replayed (same bytes again) or refused (all-or-nothing with a bad row)",
            batches.clone(),
        );
        let alerts_raised = Family::<TypeLabel, Counter>::default();
        registry.register(
            "mhub_alerts_raised",
            "Alerts raised or grown by new members, by case type",
            alerts_raised.clone(),
        );
        // 1 ms to about 8 s: a screen is one request of up to 1,000 records.
        let screening_duration = Histogram::new(exponential_buckets(0.001, 2.0, 14));
        registry.register_with_unit(
            "mhub_screening_duration",
            "Time to answer one screening request (POST /v1/screen)",
            Unit::Seconds,
            screening_duration.clone(),
        );
        let feed_head_seq = Gauge::default();
        registry.register(
            "mhub_feed_head_seq",
            "Sequence number of the newest published blacklist feed event (0 before the first)",
            feed_head_seq.clone(),
        );
        let index_lag_batches = Gauge::default();
        registry.register(
            "mhub_index_lag_batches",
            "Stored batches this hub's candidate index has not caught up with yet",
            index_lag_batches.clone(),
        );
        let record_cache_forms = Gauge::default();
        registry.register(
            "mhub_record_cache_forms",
            "Comparable forms of stored merchants this hub keeps in memory for scoring; after a restart it climbs to the number of merchants (at most 2,000,000)",
            record_cache_forms.clone(),
        );
        let pool_connections = Family::<StateLabel, Gauge>::default();
        registry.register(
            "mhub_db_pool_connections",
            "Open database connections of this hub, by state: idle or in_use",
            pool_connections.clone(),
        );
        let pool_max_connections = Gauge::default();
        registry.register(
            "mhub_db_pool_max_connections",
            "The most database connections this hub opens",
            pool_max_connections.clone(),
        );
        let http_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "mhub_http_requests",
            "HTTP requests answered, by route template and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                http_histogram,
            );
        registry.register_with_unit(
            "mhub_http_request_duration",
            "Time from a request's headers to its answer's headers, by route template",
            Unit::Seconds,
            http_duration.clone(),
        );
        Metrics(Arc::new(Inner {
            registry,
            rows_ingested,
            rows_rejected,
            batches,
            alerts_raised,
            screening_duration,
            feed_head_seq,
            index_lag_batches,
            record_cache_forms,
            pool_connections,
            pool_max_connections,
            http_requests,
            http_duration,
            scrape: tokio::sync::Mutex::new(()),
        }))
    }

    /// A batch was stored, replayed or refused; `accepted` rows were
    /// stored, and `rejected` counts refused rows by error code.
    pub fn batch(
        &self,
        outcome: BatchOutcome,
        accepted: u64,
        rejected: &BTreeMap<&'static str, u64>,
    ) {
        let metrics = &self.0;
        metrics
            .batches
            .get_or_create(&OutcomeLabel {
                outcome: outcome.as_str(),
            })
            .inc();
        metrics.rows_ingested.inc_by(accepted);
        for (code, rows) in rejected {
            metrics
                .rows_rejected
                .get_or_create(&CodeLabel { code })
                .inc_by(*rows);
        }
    }

    /// What a committed change did to alerts: each one raised, or grown by
    /// new members, counts under its case type. Refreshed evidence
    /// (`updated`) and reopened dismissals are not new cases.
    pub fn alerts_changed<'a>(&self, changes: impl IntoIterator<Item = &'a AlertChange>) {
        for change in changes {
            if matches!(change.change.as_str(), "raised" | "grown") {
                self.0
                    .alerts_raised
                    .get_or_create(&TypeLabel {
                        r#type: change.alert_type.clone(),
                    })
                    .inc();
            }
        }
    }

    /// A screening request was answered after `elapsed`.
    pub fn screened(&self, elapsed: Duration) {
        self.0.screening_duration.observe(elapsed.as_secs_f64());
    }

    /// An HTTP request to `route` (a template) was answered with `status`
    /// after `elapsed`.
    pub fn http_request(&self, route: &'static str, status: u16, elapsed: Duration) {
        let metrics = &self.0;
        metrics
            .http_requests
            .get_or_create(&RequestLabels { route, status })
            .inc();
        metrics
            .http_duration
            .get_or_create(&RouteLabel { route })
            .observe(elapsed.as_secs_f64());
    }

    /// Read the stored state from `store` and `linker`, then encode every
    /// metric: the answer to a scrape.
    pub async fn scrape(&self, store: &Store, linker: &Linker) -> Result<String, MetricsError> {
        let metrics = &self.0;
        let _one_at_a_time = metrics.scrape.lock().await;
        let (feed_head, _) = store.feed_head().await?;
        let lag = linker.lag(store).await?;
        metrics.feed_head_seq.set(feed_head);
        metrics.index_lag_batches.set(lag);
        metrics
            .record_cache_forms
            .set(i64::try_from(linker.cached_forms()).unwrap_or(i64::MAX));
        self.set_pool(store.pool_status());
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &metrics.registry)?;
        Ok(text)
    }

    fn set_pool(&self, pool: PoolStatus) {
        let metrics = &self.0;
        metrics
            .pool_connections
            .get_or_create(&StateLabel { state: "idle" })
            .set(i64::from(pool.idle));
        metrics
            .pool_connections
            .get_or_create(&StateLabel { state: "in_use" })
            .set(i64::from(pool.in_use));
        metrics.pool_max_connections.set(i64::from(pool.max));
    }

    #[cfg(test)]
    fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.0.registry)
            .expect("encoding into a String does not fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(alert_type: &str, change: &str) -> AlertChange {
        AlertChange {
            id: 1,
            alert_type: alert_type.to_owned(),
            subtype: None,
            change: change.to_owned(),
            member_count: 2,
        }
    }

    #[test]
    fn counters_are_encoded_with_their_total_suffix_and_labels() {
        let metrics = Metrics::new();
        let rejected = BTreeMap::from([("invalid_id_number", 2), ("missing_field", 1)]);
        metrics.batch(BatchOutcome::Stored, 7, &rejected);
        metrics.batch(BatchOutcome::Replayed, 0, &BTreeMap::new());
        let text = metrics.encode();
        assert!(
            text.contains("# TYPE mhub_rows_ingested_total counter\n"),
            "{text}"
        );
        assert!(text.contains("mhub_rows_ingested_total 7\n"), "{text}");
        assert!(
            text.contains("mhub_rows_rejected_total{code=\"invalid_id_number\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("mhub_batches_total{outcome=\"replayed\"} 1\n"),
            "{text}"
        );
        // The Prometheus 0.0.4 format, not OpenMetrics: no EOF marker.
        assert!(!text.contains("# EOF"), "{text}");
    }

    #[test]
    fn only_raised_and_grown_alerts_count() {
        let metrics = Metrics::new();
        metrics.alerts_changed(&[
            change("shared_phone", "raised"),
            change("shared_phone", "grown"),
            change("shared_phone", "updated"),
            change("one_terminal_many_merchants", "reopened"),
        ]);
        let text = metrics.encode();
        assert!(
            text.contains("mhub_alerts_raised_total{type=\"shared_phone\"} 2\n"),
            "{text}"
        );
        assert!(!text.contains("one_terminal_many_merchants"), "{text}");
    }

    #[test]
    fn histograms_have_seconds_in_their_names() {
        let metrics = Metrics::new();
        metrics.screened(Duration::from_millis(3));
        metrics.http_request("/v1/alerts/{id}", 200, Duration::from_millis(12));
        let text = metrics.encode();
        assert!(
            text.contains("mhub_screening_duration_seconds_count 1\n"),
            "{text}"
        );
        assert!(
            text.contains("mhub_http_requests_total{route=\"/v1/alerts/{id}\",status=\"200\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "mhub_http_request_duration_seconds_count{route=\"/v1/alerts/{id}\"} 1\n"
            ),
            "{text}"
        );
    }
}
