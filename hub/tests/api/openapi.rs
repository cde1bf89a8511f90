//! The OpenAPI document (`GET /v1/openapi.json`): served without a key, the
//! same as the committed `docs/openapi.json`, and naming exactly the routes
//! the hub serves, each with its error answers. Its conformance to what the
//! hub really answers is checked from outside by `scripts/schemathesis.sh`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};
use crate::routes::routes_in_source;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");

/// `(METHOD, /path/{}/…)` of every operation in the document.
fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        let template = path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "{}"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            found.insert((method.to_uppercase(), template.clone()));
        }
    }
    found
}

#[test]
fn the_committed_openapi_document_is_the_one_the_code_generates() {
    let generated = hub::api::openapi::document_text();
    if std::env::var_os("MHUB_BLESS").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json differs from the document the code generates; regenerate it with\n  \
         MHUB_BLESS=1 cargo nextest run --workspace -E 'test(/openapi/)'\nand commit it"
    );
}

#[test]
fn the_openapi_document_has_an_operation_for_every_route_and_no_other() {
    let served = routes_in_source();
    let documented = operations(&hub::api::openapi::document());
    let missing: Vec<_> = served.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes not in the document: {missing:?}"
    );
    let stale: Vec<_> = documented.difference(&served).collect();
    assert!(stale.is_empty(), "operations no route serves: {stale:?}");
}

#[test]
fn every_openapi_operation_lists_its_refusals_with_their_codes() {
    let document = hub::api::openapi::document();
    let public = ["/healthz", "/v1/openapi.json"];
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let codes = response["x-error-codes"].as_array();
                    assert!(
                        codes.is_some_and(|codes| !codes.is_empty()),
                        "{method} {path} {status} names no error code"
                    );
                }
            }
            if public.contains(&path.as_str()) {
                assert!(operation.get("security").is_none(), "{method} {path}");
            } else {
                // Every keyed operation says which key failures it answers.
                let unauthorised = &responses["401"]["x-error-codes"];
                assert!(
                    unauthorised
                        .as_array()
                        .is_some_and(|codes| codes.iter().any(|c| c == "key_unknown")),
                    "{method} {path} has no 401 key_unknown"
                );
                assert_eq!(operation["security"][0]["bearer"], Value::Array(vec![]));
            }
        }
    }
}

#[test]
fn the_openapi_error_schema_is_the_envelope_errors_are_sent_in() {
    let document = hub::api::openapi::document();
    let envelope = &document["components"]["schemas"]["ErrorEnvelope"];
    assert_eq!(envelope["required"], serde_json::json!(["error"]));
    let body = &document["components"]["schemas"]["ErrorBody"];
    let fields: BTreeSet<&str> = body["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        ["code", "message", "details"]
            .into_iter()
            .all(|f| fields.contains(f)),
        "{body}"
    );
}

// The document does not depend on the backend: SQLite only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_served_without_a_key() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app
        .client
        .get(app.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let served: Value = response.json().await.unwrap();
    assert_eq!(served, hub::api::openapi::document());
    assert_eq!(served["openapi"], "3.1.0");
}
