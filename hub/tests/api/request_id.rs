//! Request ids (issue 7): on every answer's `X-Request-Id`, in every error
//! body, echoed when the client's is sane and replaced when not, and on the
//! log lines written while serving the request.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app};

fn header_id(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("every answer has an X-Request-Id")
        .to_str()
        .unwrap()
        .to_owned()
}

fn is_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn every_answer_carries_an_id_and_every_error_body_the_same_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let acquirer = app.create_key("acquirer", Some("ACQ01")).await;
    let requests = [
        // (key, path, status)
        (None, "/healthz", StatusCode::OK),
        (Some(&app.admin_key), "/v1/me", StatusCode::OK),
        (None, "/v1/me", StatusCode::UNAUTHORIZED),
        (Some(&acquirer), "/metrics", StatusCode::FORBIDDEN),
        (Some(&acquirer), "/v1/alerts/999", StatusCode::NOT_FOUND),
        (Some(&acquirer), "/v1/nothing-here", StatusCode::NOT_FOUND),
        (
            Some(&acquirer),
            "/v1/batches?limit=0",
            StatusCode::BAD_REQUEST,
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (key, path, expected) in requests {
        let mut request = app.client.get(app.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), expected, "{path}");
        let id = header_id(&response);
        assert!(is_generated(&id), "{path}: {id:?}");
        assert!(seen.insert(id.clone()), "ids repeat: {id}");
        let body: Value = response.json().await.unwrap();
        if expected.is_success() {
            assert!(body.get("error").is_none(), "{body}");
        } else {
            assert_eq!(body["error"]["request_id"], json!(id), "{path}: {body}");
            assert!(body["error"]["code"].is_string(), "{body}");
        }
    }
}
both_backends!(every_answer_carries_an_id_and_every_error_body_the_same_one);

async fn a_sane_client_id_is_echoed_and_an_insane_one_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    let send = |id: HeaderValue| {
        app.client
            .get(app.url("/v1/alerts/999"))
            .bearer_auth(&app.admin_key)
            .header("x-request-id", id)
            .send()
    };
    for sane in ["gw-7f3a.42_b", "3f2b9c1e-8a4d-4e0f-9b7a-2c5d6e7f8a9b"] {
        let response = send(HeaderValue::from_static(sane)).await.unwrap();
        assert_eq!(header_id(&response), sane);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["request_id"], sane, "{body}");
    }
    let too_long = "a".repeat(65);
    let insane = [
        HeaderValue::from_str(&too_long).unwrap(),
        HeaderValue::from_static("two words"),
        HeaderValue::from_static("tab\there"),
        HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        HeaderValue::from_static("{\"json\":1}"),
        // A number might be an ID or account number: never logged.
        HeaderValue::from_static("110105194912310021"),
    ];
    for id in insane {
        let response = send(id.clone()).await.unwrap();
        let answered = header_id(&response);
        assert!(is_generated(&answered), "{id:?} → {answered:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["request_id"], json!(answered));
    }
}
both_backends!(a_sane_client_id_is_echoed_and_an_insane_one_replaced);

/// The log sink of this test process: every line the hub writes, as JSON.
/// The subscriber is global, so it is installed once and shared by the
/// tests of this process (nextest runs each test in a process of its own;
/// `cargo test` runs them side by side): each looks for its own id only.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Sink {
    type Writer = Sink;

    fn make_writer(&'a self) -> Sink {
        self.clone()
    }
}

fn captured_logs() -> &'static Sink {
    static LOGS: OnceLock<Sink> = OnceLock::new();
    LOGS.get_or_init(|| {
        let sink = Sink::default();
        hub::telemetry::init(hub::LogFormat::Json, sink.clone());
        sink
    })
}

/// The captured lines that mention `needle`, each parsed as one JSON object.
fn lines_with(needle: &str) -> Vec<Value> {
    let bytes = captured_logs().0.lock().unwrap().clone();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .filter(|line| line.contains(needle))
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"))
        })
        .collect()
}

/// The request id a JSON line carries, from the span it was written in or
/// one of the spans around it.
fn request_id_of(line: &Value) -> Option<&str> {
    std::iter::once(&line["span"])
        .chain(line["spans"].as_array().into_iter().flatten())
        .find_map(|span| span["request_id"].as_str())
}

async fn create_key_with_id(app: &TestApp, id: &'static str) -> StatusCode {
    app.client
        .post(app.url("/v1/keys"))
        .bearer_auth(&app.admin_key)
        .header("x-request-id", id)
        .json(&json!({"role": "analyst", "label": "request id test"}))
        .send()
        .await
        .unwrap()
        .status()
}

async fn the_log_lines_of_a_request_carry_its_id(backend: Backend) {
    let _ = captured_logs();
    let app = spawn_app(backend).await;
    let id = match backend {
        Backend::Sqlite => "log-lines-sqlite",
        Backend::Postgres => "log-lines-postgres",
    };

    assert_eq!(create_key_with_id(&app, id).await, StatusCode::CREATED);

    let lines = lines_with(id);
    // The key's creation, logged by `auth` inside the request...
    let created: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "API key created")
        .collect();
    assert_eq!(created.len(), 1, "{lines:#?}");
    assert_eq!(request_id_of(created[0]), Some(id));
    // ...and the access line: method, route, status and duration.
    let access: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    assert_eq!(access.len(), 1, "{lines:#?}");
    let access = access[0];
    assert_eq!(access["span"]["request_id"], id);
    assert_eq!(access["span"]["method"], "POST");
    assert_eq!(access["span"]["route"], "/v1/keys");
    assert_eq!(access["fields"]["status"], 201);
    assert!(access["fields"]["duration_ms"].as_f64().unwrap() >= 0.0);
    // Every line that mentions the id carries it as the request's.
    assert!(
        lines.iter().all(|line| request_id_of(line) == Some(id)),
        "{lines:#?}"
    );
}
both_backends!(the_log_lines_of_a_request_carry_its_id);
