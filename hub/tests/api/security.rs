//! Rate limits, key rotation, TLS and client timeouts (SPEC §9), over a real
//! socket: what a noisy key, a leaked key, an eavesdropper and a slow client
//! would meet.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::{Backend, jsonl, merchant, spawn_app, spawn_app_tuned};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected() {
    let app = spawn_app_tuned(Backend::Sqlite, |settings| {
        settings.server.requests_per_second = 1;
        settings.server.request_burst = 3;
    })
    .await;
    // The admin key's burst goes on making these two.
    let analyst = app.create_key("analyst", None).await;
    let other = app.create_key("analyst", None).await;
    for _ in 0..3 {
        let (status, _) = app.get(&analyst, "/v1/me").await;
        assert_eq!(status, 200);
    }
    let response = app
        .client
        .get(app.url("/v1/me"))
        .bearer_auth(&analyst)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    let (status, _) = app.get(&other, "/v1/me").await;
    assert_eq!(status, 200);
}

async fn a_rotated_key_works_through_its_grace_then_only_the_new_one_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let key_id = |key: &str| key.split('_').nth(1).unwrap().to_owned();

    // Another acquirer may not rotate it.
    let (status, _) = app
        .post_json(
            &acq02,
            &format!("/v1/keys/{}/rotate", key_id(&acq01)),
            &json!({}),
        )
        .await;
    assert_eq!(status, 403);

    // The holder rotates its own key with an hour's grace: both work.
    let (status, rotated) = app
        .post_json(
            &acq01,
            &format!("/v1/keys/{}/rotate", key_id(&acq01)),
            &json!({"grace_secs": 3600}),
        )
        .await;
    assert_eq!(status, 201, "{rotated}");
    let new_key = rotated["new"]["key"].as_str().unwrap().to_owned();
    assert_eq!(rotated["new"]["role"], "acquirer");
    assert_eq!(rotated["new"]["acquirer"], "ACQ01");
    for key in [&acq01, &new_key] {
        let (status, me) = app.get(key, "/v1/me").await;
        assert_eq!((status.as_u16(), &me["acquirer"]), (200, &json!("ACQ01")));
    }
    // A rotated key is not rotated twice.
    let (status, body) = app
        .post_json(
            &acq01,
            &format!("/v1/keys/{}/rotate", key_id(&acq01)),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (409, &json!("key_not_rotatable"))
    );

    // The admin rotates the new key with no grace: it stops at once.
    let (status, rotated_again) = app
        .post_json(
            &app.admin_key,
            &format!("/v1/keys/{}/rotate", key_id(&new_key)),
            &json!({"grace_secs": 0}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, body) = app.get(&new_key, "/v1/me").await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (401, &json!("key_expired"))
    );
    let newest = rotated_again["new"]["key"].as_str().unwrap();
    let (status, _) = app
        .upload(newest, "application/x-ndjson", jsonl(&[merchant(1)]))
        .await;
    assert_eq!(status, 201);

    // The list shows the chain of replacements, and the audit log each step.
    let (_, keys) = app.get(&app.admin_key, "/v1/keys").await;
    let row = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == key_id(&acq01))
        .unwrap();
    assert_eq!(row["replaced_by"], json!(key_id(&new_key)));
    let (_, events) = app.get(&app.admin_key, "/v1/audit?action=key.rotate").await;
    let outcomes: Vec<(i64, Option<&str>)> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["status"].as_i64().unwrap(), e["code"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (201, None),
            (409, Some("key_not_rotatable")),
            (201, None),
            (403, Some("forbidden"))
        ]
    );
    let (status, body) = app
        .post_json(
            &app.admin_key,
            &format!("/v1/keys/{}/rotate", key_id(newest)),
            &json!({"grace_secs": 99_999_999}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!("invalid_grace"))
    );
}
both_backends!(a_rotated_key_works_through_its_grace_then_only_the_new_one_does);

#[tokio::test]
async fn with_a_certificate_the_hub_speaks_tls_only() {
    let app = spawn_app_tuned(Backend::Sqlite, |settings| {
        settings.server.tls_cert = Some(format!("{FIXTURES}/cert.pem").into());
        settings.server.tls_key = Some(format!("{FIXTURES}/key.pem").into());
    })
    .await;
    let https = app.address.replacen("http://", "https://", 1);
    let ca = std::fs::read(format!("{FIXTURES}/ca.pem")).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let response = client
        .get(format!("{https}/v1/me"))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["role"], "admin");

    // Plain HTTP on the same port gets no answer: the key never crosses in
    // clear.
    let plain = reqwest::Client::new()
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(15))
        .send()
        .await;
    assert!(plain.is_err(), "{plain:?}");
    // And a client that does not trust the certificate refuses the hub.
    let untrusting = reqwest::Client::new()
        .get(format!("{https}/healthz"))
        .send()
        .await;
    assert!(untrusting.is_err());
}

#[tokio::test]
async fn a_client_that_stalls_in_its_headers_or_body_is_cut_off() {
    let app = spawn_app_tuned(Backend::Sqlite, |settings| {
        settings.server.header_read_timeout_secs = 1;
        settings.server.body_idle_timeout_secs = 1;
    })
    .await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;

    // Slowloris: half a request line, then nothing. The hub closes the
    // connection after the header timeout (generous deadline: a loaded box).
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
    socket
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the hub kept a stalled connection open");
    assert!(
        !String::from_utf8_lossy(&answer).contains("200 OK"),
        "{answer:?}"
    );

    // A body that stops arriving: 408 body_timeout, nothing stored.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    sender
        .send(Ok(b"{\"merchant_id\":".to_vec()))
        .await
        .unwrap();
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    let response = app
        .client
        .post(app.url("/v1/batches"))
        .bearer_auth(&acq01)
        .header("content-type", "application/x-ndjson")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    drop(sender);
    assert_eq!(response.status(), 408);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "body_timeout");
    let (_, batches) = app.get(&acq01, "/v1/batches").await;
    assert_eq!(batches, json!([]));
}

#[tokio::test]
async fn a_flood_of_bad_keys_from_one_address_is_slowed_and_good_keys_still_pass() {
    let app = spawn_app_tuned(Backend::Sqlite, |settings| {
        settings.server.failed_auth_per_second = 1;
        settings.server.failed_auth_burst = 3;
    })
    .await;
    let guess = format!("mhub_0123456789ab_{}", "0".repeat(64));
    let mut codes = Vec::new();
    for _ in 0..5 {
        let (_, body) = app.get(&guess, "/v1/me").await;
        codes.push(body["error"]["code"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        codes,
        [
            "key_unknown",
            "key_unknown",
            "key_unknown",
            "rate_limited",
            "rate_limited"
        ]
    );
    // A valid key is limited by its own bucket, not the address's.
    let (status, _) = app.get(&app.admin_key, "/v1/me").await;
    assert_eq!(status, 200);
}
