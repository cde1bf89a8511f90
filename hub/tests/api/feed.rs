//! The signed feed (SPEC §8) as a member reads it: NDJSON pages that verify
//! event by event against the published key, and who may read what.

use feed::{FeedHead, SignedEvent, verify_next};
use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, resident_id, spawn_app};

async fn approved_entries(app: &TestApp, n: u32) {
    let acq = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    for i in 1..=n {
        let entry = json!({
            "subject_type": "person", "reason": "telecom_fraud", "penalty": "terminate",
            "evidence": "涉电信网络诈骗收款", "name": "李娜", "id_number": resident_id(i),
            "phone": format!("1390000{i:04}")
        });
        let (status, body) = app.post_json(&acq, "/v1/blacklist", &entry).await;
        assert_eq!(status, 201, "{body}");
        let (status, body) = app
            .post_json(
                &analyst,
                &format!("/v1/blacklist/{}/approve", body["id"]),
                &json!({"note": "ok"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
}

async fn events(app: &TestApp, key: &str, query: &str) -> Vec<SignedEvent> {
    let (status, content_type, body) = app.get_bytes(key, &format!("/v1/feed/events{query}")).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(content_type.as_deref(), Some("application/x-ndjson"));
    String::from_utf8(body)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn a_subscriber_pages_through_a_feed_that_verifies_event_by_event(backend: Backend) {
    let app = spawn_app(backend).await;
    approved_entries(&app, 5).await;
    let subscriber = app.create_key("subscriber", None).await;
    let (status, key) = app.get(&subscriber, "/v1/feed/key").await;
    assert_eq!(status, 200);
    let mut public = [0u8; 32];
    hex::decode_to_slice(key["public_key"].as_str().unwrap(), &mut public).unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
    assert_eq!(key["key_id"], feed::key_id(&public));

    let mut head = FeedHead::genesis();
    let mut seen = Vec::new();
    loop {
        let page = events(&app, &subscriber, &format!("?after={}&limit=2", head.seq)).await;
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        for event in &page {
            let (next, payload) = verify_next(&head, event, &public).expect("verifies");
            head = next;
            seen.push(payload);
        }
    }
    assert_eq!(head.seq, 5);
    let (_, stated) = app.get(&subscriber, "/v1/feed/head").await;
    assert_eq!(stated, json!({"seq": 5, "hash": head.hash}));
    // Payloads carry tokens and masks, never the numbers.
    let wire = serde_json::to_string(&events(&app, &subscriber, "").await).unwrap();
    for i in 1..=5 {
        assert!(!wire.contains(&resident_id(i)));
        assert!(!wire.contains(&format!("1390000{i:04}")));
    }
    assert!(seen.iter().all(|p| p.entry.subject.person_id.is_some()));

    // One byte of one event changed on the way is caught.
    let mut tampered = events(&app, &subscriber, "?after=2&limit=1")
        .await
        .remove(0);
    tampered.payload["entry"]["penalty"] = json!("delay_settlement");
    let mut at_two = FeedHead::genesis();
    for event in events(&app, &subscriber, "?limit=2").await {
        at_two = verify_next(&at_two, &event, &public).unwrap().0;
    }
    assert_eq!(
        verify_next(&at_two, &tampered, &public).unwrap_err().code(),
        "feed_tampered"
    );
}
both_backends!(a_subscriber_pages_through_a_feed_that_verifies_event_by_event);

async fn the_token_key_goes_to_subscribers_and_bad_pages_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let subscriber = app.create_key("subscriber", None).await;
    let acquirer = app.create_key("acquirer", Some("ACQ01")).await;
    let (status, body) = app.get(&subscriber, "/v1/feed/token-key").await;
    assert_eq!(status, 200);
    assert_eq!(body["token_key"].as_str().unwrap().len(), 64);
    let (status, body) = app.get(&acquirer, "/v1/feed/token-key").await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (403, &json!("forbidden"))
    );
    for query in [
        "?limit=0",
        "?limit=10001",
        "?after=-1",
        "?after=x",
        "?colour=red",
    ] {
        let (status, body) = app
            .get(&subscriber, &format!("/v1/feed/events{query}"))
            .await;
        assert_eq!(
            (status.as_u16(), &body["error"]["code"]),
            (400, &json!("invalid_query")),
            "{query}"
        );
    }
    let (status, _) = app.get("", "/v1/feed/head").await;
    assert_eq!(status, 401);
    // Subscribers read the feed and nothing else.
    for path in ["/v1/alerts", "/v1/blacklist", "/v1/batches"] {
        let (status, _) = app.get(&subscriber, path).await;
        assert_eq!(status, 403, "{path}");
    }
    let (status, body) = app
        .post_json(
            &subscriber,
            "/v1/screen",
            &json!({"purpose": "investigation", "records": [{}]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (403, &json!("forbidden"))
    );
}
both_backends!(the_token_key_goes_to_subscribers_and_bad_pages_are_refused);
