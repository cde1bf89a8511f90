//! `GET /metrics` (issue 7): who may scrape, and that a scrape reports what
//! the hub did — checked against the answers the hub gave, not against
//! numbers written down here — and the stored state as it is at scrape time.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, jsonl, merchant, postgres_available, resident_id, sample_batch, spawn_app,
    spawn_second_hub, upload_samples,
};

const ZIP: &str = "application/zip";

/// A scrape's samples: `name{labels}` → value.
type Samples = BTreeMap<String, f64>;

async fn scrape(app: &TestApp, key: &str) -> Samples {
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let mut samples = Samples::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (name, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("not a sample line: {line:?}"));
        let value = value.parse().unwrap_or_else(|_| panic!("{line:?}"));
        assert!(samples.insert(name.to_owned(), value).is_none(), "{line:?}");
    }
    samples
}

fn sample(samples: &Samples, name: &str) -> f64 {
    *samples
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {samples:#?}"))
}

/// Samples of one metric, by their labels.
fn family(samples: &Samples, metric: &str) -> BTreeMap<String, f64> {
    samples
        .iter()
        .filter_map(|(name, value)| {
            let labels = name.strip_prefix(metric)?.strip_prefix('{')?;
            Some((labels.trim_end_matches('}').to_owned(), *value))
        })
        .collect()
}

/// Refused rows by code, as the metric counts them: each row once under
/// each of its codes.
fn rejected_by_code(errors: &[Value], into: &mut BTreeMap<String, f64>) {
    let mut per_row: BTreeMap<u64, std::collections::BTreeSet<String>> = BTreeMap::new();
    for error in errors {
        per_row
            .entry(error["line"].as_u64().unwrap())
            .or_default()
            .insert(error["code"].as_str().unwrap().to_owned());
    }
    for code in per_row.into_values().flatten() {
        *into.entry(format!("code=\"{code}\"")).or_default() += 1.0;
    }
}

/// Alerts raised or grown, by type.
fn raised_by_type(changes: &[Value], into: &mut BTreeMap<String, f64>) {
    for change in changes {
        if matches!(change["change"].as_str(), Some("raised" | "grown")) {
            let key = format!("type=\"{}\"", change["type"].as_str().unwrap());
            *into.entry(key).or_default() += 1.0;
        }
    }
}

async fn a_scrape_after_the_samples_reports_what_the_hub_did(backend: Backend) {
    // Arrange: ACQ01's sample batch (with its planted invalid rows and
    // cases), sent twice, a refused batch, a screen, a batch of another
    // acquirer, and an approved blacklist entry.
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let scraper = app.create_key("metrics", None).await;
    let mut results = Vec::new();
    let (status, result) = app.upload(&acq01, ZIP, sample_batch("ACQ01")).await;
    assert_eq!(status, StatusCode::CREATED, "{result}");
    assert!(result["error_count"].as_u64().unwrap() < 1000, "all inline");
    results.push(result);
    let (status, result) = app
        .upload(&acq02, "application/x-ndjson", jsonl(&[merchant(7)]))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{result}");
    results.push(result);
    let (status, replayed) = app.upload(&acq01, ZIP, sample_batch("ACQ01")).await;
    assert_eq!(status, StatusCode::OK, "{replayed}");
    assert_eq!(replayed["replayed"], true);
    let mut bad = merchant(1);
    bad["legal_rep"]["id_number"] = json!("110105194912310022");
    let (status, refused) = app
        .upload_query(
            &acq01,
            "application/x-ndjson",
            jsonl(&[merchant(2), bad]),
            "?all_or_nothing=true",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, screened) = app
        .post_json(
            &acq01,
            "/v1/screen",
            &json!({"purpose": "investigation", "records": [merchant(3)]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{screened}");
    // The person behind the first sample merchant, listed: the approval
    // screens the store and raises a blacklist_hit alert.
    let first: Value = serde_json::from_str(
        include_str!("../../../samples/ACQ01/merchants.jsonl")
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let entry = json!({
        "subject_type": "person", "reason": "cash_out", "penalty": "terminate",
        "evidence": "套现", "name": first["legal_rep"]["name"],
        "id_type": "resident_id", "id_number": first["legal_rep"]["id_number"],
    });
    let (status, reported) = app.post_json(&acq01, "/v1/blacklist", &entry).await;
    assert_eq!(status, StatusCode::CREATED, "{reported}");
    let (status, approval) = app
        .post_json(
            &analyst,
            &format!("/v1/blacklist/{}/approve", reported["id"]),
            &json!({"note": "核实"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{approval}");
    let (_, head) = app.get(&analyst, "/v1/feed/head").await;

    // Act
    let samples = scrape(&app, &scraper).await;

    // Assert: the counters say what the answers said.
    let accepted: u64 = results
        .iter()
        .map(|r| r["accepted"].as_u64().unwrap())
        .sum();
    assert!(accepted > 50, "{accepted}");
    assert_eq!(
        sample(&samples, "mhub_rows_ingested_total"),
        accepted as f64
    );
    let mut expected_rejected = BTreeMap::new();
    for result in &results {
        rejected_by_code(result["errors"].as_array().unwrap(), &mut expected_rejected);
    }
    rejected_by_code(
        refused["error"]["details"]["errors"].as_array().unwrap(),
        &mut expected_rejected,
    );
    assert!(expected_rejected.len() >= 2, "{expected_rejected:?}");
    assert_eq!(
        family(&samples, "mhub_rows_rejected_total"),
        expected_rejected
    );
    assert_eq!(
        family(&samples, "mhub_batches_total"),
        BTreeMap::from([
            ("outcome=\"refused\"".to_owned(), 1.0),
            ("outcome=\"replayed\"".to_owned(), 1.0),
            ("outcome=\"stored\"".to_owned(), 2.0),
        ])
    );
    let mut expected_alerts = BTreeMap::new();
    for result in &results {
        raised_by_type(result["alerts"].as_array().unwrap(), &mut expected_alerts);
    }
    raised_by_type(
        std::slice::from_ref(&approval["alert"]),
        &mut expected_alerts,
    );
    assert!(
        expected_alerts.contains_key("type=\"blacklist_hit\"") && expected_alerts.len() >= 2,
        "{expected_alerts:?}"
    );
    assert_eq!(
        family(&samples, "mhub_alerts_raised_total"),
        expected_alerts
    );
    assert_eq!(
        sample(&samples, "mhub_screening_duration_seconds_count"),
        1.0
    );
    assert!(sample(&samples, "mhub_screening_duration_seconds_sum") > 0.0);

    // The stored state, read at the scrape.
    let head_seq = head["seq"].as_f64().unwrap();
    assert!(head_seq >= 1.0, "{head}");
    assert_eq!(sample(&samples, "mhub_feed_head_seq"), head_seq);
    assert_eq!(sample(&samples, "mhub_index_lag_batches"), 0.0);
    let max = sample(&samples, "mhub_db_pool_max_connections");
    let idle = sample(&samples, "mhub_db_pool_connections{state=\"idle\"}");
    let in_use = sample(&samples, "mhub_db_pool_connections{state=\"in_use\"}");
    assert!(max >= 1.0 && idle + in_use >= 1.0 && idle + in_use <= max);

    // HTTP requests by route template and status; never a raw path.
    assert_eq!(
        sample(
            &samples,
            "mhub_http_requests_total{route=\"/v1/batches\",status=\"201\"}"
        ),
        2.0
    );
    assert_eq!(
        sample(
            &samples,
            "mhub_http_requests_total{route=\"/v1/blacklist/{id}/approve\",status=\"200\"}"
        ),
        1.0
    );
    assert!(
        sample(
            &samples,
            "mhub_http_request_duration_seconds_count{route=\"/v1/batches\"}"
        ) >= 4.0
    );
    let raw = format!("/v1/blacklist/{}/approve", reported["id"]);
    assert!(
        samples.keys().all(|name| !name.contains(&raw)),
        "a raw path in {samples:#?}"
    );
}
both_backends!(a_scrape_after_the_samples_reports_what_the_hub_did);

async fn only_metrics_analyst_and_admin_keys_scrape_and_metrics_keys_read_nothing_else(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let scraper = app.create_key("metrics", None).await;
    let analyst = app.create_key("analyst", None).await;
    let acquirer = app.create_key("acquirer", Some("ACQ01")).await;
    let subscriber = app.create_key("subscriber", None).await;
    let status_of = |key: String, method: reqwest::Method, path: &'static str| {
        let request = app.client.request(method, app.url(path)).bearer_auth(key);
        async move { request.send().await.unwrap().status() }
    };
    use reqwest::Method as M;
    for key in [&scraper, &analyst, &app.admin_key] {
        assert_eq!(
            status_of(key.clone(), M::GET, "/metrics").await,
            StatusCode::OK
        );
    }
    for key in [&acquirer, &subscriber] {
        assert_eq!(
            status_of(key.clone(), M::GET, "/metrics").await,
            StatusCode::FORBIDDEN
        );
    }
    let bare = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    for (method, path) in [
        (M::GET, "/v1/me"),
        (M::GET, "/v1/alerts"),
        (M::GET, "/v1/feed/events"),
        (M::GET, "/v1/audit"),
        (M::POST, "/v1/keys"),
    ] {
        assert_eq!(
            status_of(scraper.clone(), method.clone(), path).await,
            StatusCode::FORBIDDEN,
            "{method} {path}"
        );
    }
    // The key list shows the metrics key with its role.
    let (_, keys) = app.get(&app.admin_key, "/v1/keys").await;
    assert!(
        keys.as_array()
            .unwrap()
            .iter()
            .any(|key| key["role"] == "metrics"),
        "{keys}"
    );
}
both_backends!(only_metrics_analyst_and_admin_keys_scrape_and_metrics_keys_read_nothing_else);

/// Several hubs on one PostgreSQL: each reports its own index's lag behind
/// the shared store, read when scraped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hub_on_one_postgres_reports_its_own_index_lag_metrics() {
    if !postgres_available() {
        return;
    }
    let first = spawn_app(Backend::Postgres).await;
    let second = spawn_second_hub(&first).await;
    let acq01 = first.create_key("acquirer", Some("ACQ01")).await;
    let scraper = first.create_key("metrics", None).await;
    let rows: Vec<Value> = (1..=3).map(merchant).collect();
    let (status, _) = first
        .upload(&acq01, "application/x-ndjson", jsonl(&rows))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let lag = |samples: &Samples| sample(samples, "mhub_index_lag_batches");
    assert_eq!(lag(&scrape(&first, &scraper).await), 0.0);
    assert_eq!(lag(&scrape(&second, &scraper).await), 1.0);

    // The second hub catches up before its own batch.
    let mut row = merchant(4);
    row["legal_rep"]["id_number"] = json!(resident_id(4));
    let (status, _) = second
        .upload(&acq01, "application/x-ndjson", jsonl(&[row]))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(lag(&scrape(&second, &scraper).await), 0.0);
    assert_eq!(lag(&scrape(&first, &scraper).await), 1.0);
}

/// A restarted hub finds its candidate index current and its record cache
/// empty; it fills the cache from the store in the background, so that its
/// batches do not read each candidate back from the store.
async fn a_restarted_hub_fills_its_record_cache_in_the_background(backend: Backend) {
    let app = spawn_app(backend).await;
    let scraper = app.create_key("metrics", None).await;
    let stored: f64 = upload_samples(&app, &["ACQ01", "ACQ02"])
        .await
        .iter()
        .map(|result| result["created"].as_f64().unwrap())
        .sum();
    assert!(stored > 100.0, "{stored}");
    let forms = |samples: &Samples| sample(samples, "mhub_record_cache_forms");
    // The hub that ingested them keeps the form of each.
    assert_eq!(forms(&scrape(&app, &scraper).await), stored);

    let app = app.restart().await;
    let started = std::time::Instant::now();
    loop {
        let now = forms(&scrape(&app, &scraper).await);
        if now == stored {
            break;
        }
        assert!(now < stored, "{now} forms of {stored} merchants");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "{now} of {stored} forms a minute after the restart"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
both_backends!(a_restarted_hub_fills_its_record_cache_in_the_background);
