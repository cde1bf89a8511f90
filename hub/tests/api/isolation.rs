//! Tenant isolation as a table (SPEC §9): every endpoint × every role, with
//! ACQ01's data as "own" and ACQ02 as the other tenant, and the status each
//! must get. The table is checked against the routes in `src/api`: an
//! endpoint the table does not cover fails the test, so a new endpoint
//! cannot ship without deciding who may call it.
//!
//! Mutations are sent with bodies that are refused *after* authorisation
//! (an empty note, an unknown key id), so an allowed role answers 4xx for
//! the body and a refused role 403, and the shared state stays as set up.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, jsonl, merchant, resident_id, spawn_app};
use crate::routes::routes_in_source;

/// Columns: admin, analyst, ACQ01 (owns the data), ACQ02 (another
/// tenant), subscriber, metrics.
type Expected = [u16; 6];

struct Row {
    method: Method,
    /// The route as written in `src/api` (`{}` for a path parameter).
    template: &'static str,
    /// The request sent.
    path: &'static str,
    body: Option<Value>,
    expected: Expected,
}

fn row(
    method: Method,
    template: &'static str,
    path: &'static str,
    body: Option<Value>,
    expected: Expected,
) -> Row {
    Row {
        method,
        template,
        path,
        body,
        expected,
    }
}

fn table() -> Vec<Row> {
    use Method as V;
    let get = |template, path, expected| row(V::GET, template, path, None, expected);
    let post =
        |template, path, body: Value, expected| row(V::POST, template, path, Some(body), expected);
    let empty_note = json!({"note": ""});
    vec![
        get("/healthz", "/healthz", [200, 200, 200, 200, 200, 200]),
        // Metrics: the hub's health for the association and its scraper.
        get("/metrics", "/metrics", [200, 200, 403, 403, 403, 200]),
        // A metrics key reads /metrics and nothing else, not even who it is.
        // The API's contract is public (it names endpoints and codes, no data).
        get(
            "/v1/openapi.json",
            "/v1/openapi.json",
            [200, 200, 200, 200, 200, 200],
        ),
        get("/v1/me", "/v1/me", [200, 200, 200, 200, 200, 403]),
        // Batches: an acquirer reads its own only.
        get("/v1/batches", "/v1/batches", [200, 200, 200, 200, 403, 403]),
        get(
            "/v1/batches/{}",
            "/v1/batches/1",
            [200, 200, 200, 403, 403, 403],
        ),
        get(
            "/v1/batches/{}/issues",
            "/v1/batches/1/issues",
            [200, 200, 200, 403, 403, 403],
        ),
        // Merchants: in full to their acquirer and the association only.
        get(
            "/v1/merchants/{}/{}",
            "/v1/merchants/ACQ01/898440358120001",
            [200, 200, 200, 403, 403, 403],
        ),
        get(
            "/v1/merchants/{}/{}/versions",
            "/v1/merchants/ACQ01/898440358120001/versions",
            [200, 200, 200, 403, 403, 403],
        ),
        get(
            "/v1/people/{}/{}",
            "/v1/people/ACQ01/898440358120001",
            // Another tenant learns not even that the merchant exists.
            [200, 200, 200, 404, 403, 403],
        ),
        // Search answers everyone but subscribers; other tenants' hits come redacted.
        get(
            "/v1/search",
            "/v1/search?q=深圳市测试商行",
            [200, 200, 200, 200, 403, 403],
        ),
        // Alerts: an acquirer sees those with its merchants in them.
        get("/v1/alerts", "/v1/alerts", [200, 200, 200, 200, 403, 403]),
        get(
            "/v1/alerts/{}",
            "/v1/alerts/1",
            [200, 200, 200, 403, 403, 403],
        ),
        post(
            "/v1/alerts/{}/{}",
            "/v1/alerts/1/confirm",
            json!({"reason": ""}),
            [400, 400, 403, 403, 403, 403],
        ),
        // A photo nobody may see is as absent as one that does not exist.
        get(
            "/v1/photos/{}",
            "/v1/photos/0000000000000000000000000000000000000000000000000000000000000000",
            [404, 404, 404, 404, 403, 403],
        ),
        post(
            "/v1/terminals/locations",
            "/v1/terminals/locations",
            json!([]),
            [403, 403, 400, 400, 403, 403],
        ),
        post(
            "/v1/batches",
            "/v1/batches",
            json!("not a batch"),
            // Acquirers get as far as the content type (JSON is not a batch).
            [403, 403, 415, 415, 403, 403],
        ),
        // The blacklist: a reported entry is its reporter's and the analysts'.
        get(
            "/v1/blacklist",
            "/v1/blacklist",
            [200, 200, 200, 200, 403, 403],
        ),
        get(
            "/v1/blacklist/{}",
            "/v1/blacklist/1",
            [200, 200, 200, 404, 404, 403],
        ),
        get(
            "/v1/blacklist/{}/history",
            "/v1/blacklist/1/history",
            [200, 200, 200, 404, 404, 403],
        ),
        post(
            "/v1/blacklist",
            "/v1/blacklist",
            json!({}),
            [400, 400, 400, 400, 403, 403],
        ),
        post(
            "/v1/blacklist/import",
            "/v1/blacklist/import",
            json!({"entries": []}),
            // An empty import adds nothing and says so.
            [200, 200, 200, 200, 403, 403],
        ),
        post(
            "/v1/blacklist/{}/approve",
            "/v1/blacklist/1/approve",
            empty_note.clone(),
            [400, 400, 403, 403, 403, 403],
        ),
        post(
            "/v1/blacklist/{}/reject",
            "/v1/blacklist/1/reject",
            empty_note.clone(),
            [400, 400, 403, 403, 403, 403],
        ),
        post(
            "/v1/blacklist/{}/remove",
            "/v1/blacklist/1/remove",
            json!({"removal": "error", "note": ""}),
            [400, 400, 403, 403, 403, 403],
        ),
        post(
            "/v1/blacklist/{}/update",
            "/v1/blacklist/1/update",
            empty_note,
            [400, 400, 403, 403, 403, 403],
        ),
        post(
            "/v1/screen",
            "/v1/screen",
            json!({"records": []}),
            [400, 400, 400, 400, 403, 403],
        ),
        // The feed is for every member; the token key for subscribers (and admins).
        get(
            "/v1/feed/head",
            "/v1/feed/head",
            [200, 200, 200, 200, 200, 403],
        ),
        get(
            "/v1/feed/key",
            "/v1/feed/key",
            [200, 200, 200, 200, 200, 403],
        ),
        get(
            "/v1/feed/events",
            "/v1/feed/events",
            [200, 200, 200, 200, 200, 403],
        ),
        get(
            "/v1/feed/token-key",
            "/v1/feed/token-key",
            [200, 403, 403, 403, 200, 403],
        ),
        // Keys are the admin's; rotating another's key is too.
        get("/v1/keys", "/v1/keys", [200, 403, 403, 403, 403, 403]),
        post(
            "/v1/keys",
            "/v1/keys",
            json!({"role": "acquirer"}),
            [400, 403, 403, 403, 403, 403],
        ),
        post(
            "/v1/keys/{}/revoke",
            "/v1/keys/000000000000/revoke",
            json!({}),
            [404, 403, 403, 403, 403, 403],
        ),
        post(
            "/v1/keys/{}/rotate",
            "/v1/keys/000000000000/rotate",
            json!({}),
            [404, 403, 403, 403, 403, 403],
        ),
        // The audit trail: everyone's for the association, own for acquirers.
        get("/v1/audit", "/v1/audit", [200, 200, 200, 200, 403, 403]),
        get(
            "/v1/audit/verify",
            "/v1/audit/verify",
            [200, 200, 403, 403, 403, 403],
        ),
    ]
}

#[test]
fn the_table_covers_every_route_the_hub_serves() {
    let covered: BTreeSet<(String, String)> = table()
        .iter()
        .map(|row| (row.method.to_string(), row.template.to_owned()))
        .collect();
    let served = routes_in_source();
    assert!(served.len() >= 30, "{served:?}");
    let uncovered: Vec<_> = served.difference(&covered).collect();
    assert!(
        uncovered.is_empty(),
        "routes with no isolation row: {uncovered:?}"
    );
    let stale: Vec<_> = covered.difference(&served).collect();
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

#[test]
fn every_route_has_a_template_for_logs_and_metrics() {
    // The access log and the HTTP metrics name a request by its route's
    // template (`hub::api::ROUTES`), matched against the path; a route the
    // table lacks would be counted as `unmatched`.
    let templates: BTreeSet<String> = hub::api::ROUTES
        .iter()
        .map(|template| {
            template
                .split('/')
                .map(|s| if s.starts_with('{') { "{}" } else { s })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    let served: BTreeSet<String> = routes_in_source()
        .into_iter()
        .map(|(_, route)| route)
        .collect();
    assert_eq!(templates, served);
}

async fn every_endpoint_answers_each_role_as_the_table_says(backend: Backend) {
    let app = spawn_app(backend).await;
    let analyst = app.create_key("analyst", None).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let subscriber = app.create_key("subscriber", None).await;
    let metrics = app.create_key("metrics", None).await;
    // ACQ01's data: a batch, three merchants behind one person (alert 1),
    // and a blacklist report waiting for review (entry 1).
    let rows: Vec<Value> = (1..=3)
        .map(|n| {
            let mut row = merchant(n);
            row["legal_rep"]["id_number"] = json!(resident_id(1));
            row
        })
        .collect();
    let (status, batch) = app
        .upload(&acq01, "application/x-ndjson", jsonl(&rows))
        .await;
    assert_eq!(status, 201, "{batch}");
    let (status, alert) = app.get(&analyst, "/v1/alerts/1").await;
    assert_eq!(status, 200, "{alert}");
    let report = json!({
        "subject_type": "person", "reason": "cash_out", "penalty": "terminate",
        "evidence": "名下商户套现", "name": "王伟",
        "id_type": "resident_id", "id_number": resident_id(9)
    });
    let (status, entry) = app.post_json(&acq01, "/v1/blacklist", &report).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!(entry["id"], 1);

    let keys = [
        &app.admin_key,
        &analyst,
        &acq01,
        &acq02,
        &subscriber,
        &metrics,
    ];
    let names = [
        "admin",
        "analyst",
        "ACQ01",
        "ACQ02",
        "subscriber",
        "metrics",
    ];
    let mut wrong = Vec::new();
    for row in table() {
        for ((key, name), expected) in keys.iter().zip(names).zip(row.expected) {
            let mut request = app
                .client
                .request(row.method.clone(), app.url(row.path))
                .bearer_auth(key);
            if let Some(body) = &row.body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            // Never a server error, whoever asks.
            assert!(
                status < 500,
                "{} {} as {name}: {status} {text}",
                row.method,
                row.path
            );
            if status != expected {
                wrong.push(format!(
                    "{} {} as {name}: expected {expected}, got {status} {text}",
                    row.method, row.path
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Nothing the refused calls sent changed the shared state.
    let (_, entry) = app.get(&analyst, "/v1/blacklist/1").await;
    assert_eq!(entry["status"], "reported");
    let (_, alert) = app.get(&analyst, "/v1/alerts/1").await;
    assert_eq!(alert["status"], "open");
}
both_backends!(every_endpoint_answers_each_role_as_the_table_says);
