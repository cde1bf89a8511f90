//! The audit log (SPEC §9): reads and changes are recorded with who, what,
//! when, from where and why; purpose-less reads are refused and recorded;
//! acquirers read only their own trail; the chain catches edits and gaps.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, jsonl, merchant, phone, spawn_app};

async fn audit(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(key, &format!("/v1/audit{query}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

/// A connection to wherever the audit tables live: the hub's PostgreSQL
/// database, or the data directory's own SQLite file.
async fn audit_db(app: &TestApp, backend: Backend) -> sqlx::AnyConnection {
    use secrecy::ExposeSecret;
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let url = match backend {
        Backend::Postgres => app.database_url.expose_secret().to_owned(),
        Backend::Sqlite => hub::data_dir::DataDir::new(app.data_dir.path()).audit_sqlite_url(),
    };
    sqlx::AnyConnection::connect(&url).await.unwrap()
}

async fn reads_are_recorded_with_who_what_where_and_why(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let (status, _) = app
        .upload(&acq01, "application/x-ndjson", jsonl(&[merchant(1)]))
        .await;
    assert_eq!(status, 201);

    // Act: an analyst looks a phone number up, and reads the merchant.
    let raw_phone = phone(1);
    let (status, _) = app
        .get(&analyst, &format!("/v1/search?q={raw_phone}"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .get(&analyst, "/v1/merchants/ACQ01/898440358120001")
        .await;
    assert_eq!(status, 200);

    // Assert: newest first, each with the key, role, address and purpose.
    let events = audit(&app, &analyst, "?limit=3").await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["merchant.read", "search", "batch.upload"],
        "{events:?}"
    );
    let read = &events[0];
    assert_eq!(read["target"], "merchant:ACQ01/898440358120001");
    assert_eq!(read["role"], "analyst");
    assert_eq!(read["purpose"], "investigation");
    assert_eq!(read["remote"], "127.0.0.1");
    assert_eq!(read["status"], 200);
    // The search is kept as the phone's token, never the number.
    let search = &events[1];
    assert_eq!(search["detail"]["field"], "phone");
    assert!(
        search["detail"]["query"]
            .as_str()
            .unwrap()
            .starts_with("token:"),
        "{search}"
    );
    assert!(!serde_json::to_string(&events).unwrap().contains(&raw_phone));
    assert_eq!(events[2]["target"], "batch:1");
    assert_eq!(events[2]["acquirer"], "ACQ01");

    // Filters: by action and by key.
    let searches = audit(&app, &analyst, "?action=search").await;
    assert_eq!(searches.len(), 1);
    let by_acquirer_key = audit(&app, &analyst, "?acquirer=ACQ01").await;
    assert!(by_acquirer_key.iter().all(|e| e["acquirer"] == "ACQ01"));
}
both_backends!(reads_are_recorded_with_who_what_where_and_why);

async fn a_read_without_a_purpose_is_refused_and_the_refusal_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let analyst = app.create_key("analyst", None).await;
    let bare = reqwest::Client::new();
    for path in [
        "/v1/search?q=老王",
        "/v1/alerts",
        "/v1/merchants/ACQ01/M1",
        "/v1/blacklist",
    ] {
        let response = bare
            .get(app.url(path))
            .bearer_auth(&analyst)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "purpose_required", "{path}");
    }
    // A purpose that is not one of the three is refused too.
    let response = bare
        .get(app.url("/v1/alerts"))
        .bearer_auth(&analyst)
        .header("mhub-purpose", "curiosity")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_purpose");

    let refused = audit(&app, &analyst, "?action=search").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (
            &refused[0]["status"],
            &refused[0]["code"],
            &refused[0]["purpose"]
        ),
        (&json!(400), &json!("purpose_required"), &Value::Null)
    );
    // The search text is kept, with no digits to mask.
    assert_eq!(refused[0]["detail"]["query"], "老王");
}
both_backends!(a_read_without_a_purpose_is_refused_and_the_refusal_recorded);

async fn acquirers_read_their_own_trail_and_subscribers_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let subscriber = app.create_key("subscriber", None).await;
    app.upload(&acq01, "application/x-ndjson", jsonl(&[merchant(1)]))
        .await;
    app.upload(&acq02, "application/x-ndjson", jsonl(&[merchant(2)]))
        .await;

    let own = audit(&app, &acq01, "").await;
    assert!(!own.is_empty());
    assert!(own.iter().all(|e| e["acquirer"] == "ACQ01"), "{own:?}");
    let (status, body) = app.get(&acq01, "/v1/audit?acquirer=ACQ02").await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (403, &json!("forbidden"))
    );
    let (status, _) = app.get(&acq01, "/v1/audit/verify").await;
    assert_eq!(status, 403);
    let (status, _) = app.get(&subscriber, "/v1/audit").await;
    assert_eq!(status, 403);
    let (status, body) = app.get(&acq01, "/v1/audit?limit=0").await;
    assert_eq!(
        (status.as_u16(), &body["error"]["code"]),
        (400, &json!("invalid_query"))
    );
}
both_backends!(acquirers_read_their_own_trail_and_subscribers_none);

async fn the_chain_verifies_and_an_edited_or_deleted_event_breaks_it(backend: Backend) {
    use sqlx::Executor;
    let app = spawn_app(backend).await;
    let analyst = app.create_key("analyst", None).await;
    for q in ["老王", "烟酒", "建国路"] {
        app.get(&analyst, &format!("/v1/search?q={q}")).await;
    }
    let (status, report) = app.get(&analyst, "/v1/audit/verify").await;
    assert_eq!(status, 200);
    assert_eq!(report["ok"], true, "{report}");
    // create_key (1) + three searches; the verify itself is recorded after.
    assert_eq!(report["events"], 4);
    assert_eq!(report["head_seq"], 4);

    // Someone with database access rewrites what a search was for.
    let mut db = audit_db(&app, backend).await;
    db.execute("UPDATE audit_events SET detail = '{\"query\":\"other\"}' WHERE seq = 3")
        .await
        .unwrap();
    let (_, report) = app.get(&analyst, "/v1/audit/verify").await;
    assert_eq!(report["ok"], false);
    assert_eq!(report["broken"]["seq"], 3, "{report}");

    // Deleting it instead leaves a gap.
    db.execute("DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    let (_, report) = app.get(&analyst, "/v1/audit/verify").await;
    assert_eq!(report["ok"], false);
    assert_eq!(report["broken"]["seq"], 3, "{report}");
    assert!(
        report["broken"]["reason"]
            .as_str()
            .unwrap()
            .contains("expected seq 3"),
        "{report}"
    );
}
both_backends!(the_chain_verifies_and_an_edited_or_deleted_event_breaks_it);
