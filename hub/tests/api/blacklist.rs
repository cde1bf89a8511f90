//! The blacklist lifecycle (SPEC §7): who may report, review and remove;
//! every transition recorded; expiry by the hub itself; bad reports refused
//! with nothing stored; an institution's list imported idempotently.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, resident_id, spawn_app, spawn_app_tuned};

fn person_entry(n: u32) -> Value {
    json!({
        "subject_type": "person", "reason": "cash_out", "penalty": "terminate",
        "evidence": "名下商户套现，已终止合作", "name": "王伟",
        "id_type": "resident_id", "id_number": resident_id(n)
    })
}

async fn report(app: &TestApp, key: &str, entry: &Value) -> Value {
    let (status, body) = app.post_json(key, "/v1/blacklist", entry).await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn head_seq(app: &TestApp, key: &str) -> i64 {
    let (status, head) = app.get(key, "/v1/feed/head").await;
    assert_eq!(status, 200, "{head}");
    head["seq"].as_i64().unwrap()
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

async fn reported_reviewed_removed_with_four_eyes_and_every_step_recorded(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let other_analyst = app.create_key("analyst", None).await;
    let subscriber = app.create_key("subscriber", None).await;

    let entry = report(&app, &acq01, &person_entry(1)).await;
    let id = entry["id"].as_i64().unwrap();
    assert_eq!(entry["status"], "reported");
    assert_eq!(entry["reporter"], "ACQ01");
    assert_eq!(
        entry["subject"]["person_id"]["masked"],
        format!("110105********{}", &resident_id(1)[14..])
    );
    assert!(!entry.to_string().contains(&resident_id(1)), "{entry}");

    // Nobody but an analyst approves, and never the key that reported.
    let approve = format!("/v1/blacklist/{id}/approve");
    let note = json!({"note": "证据充分"});
    let (status, body) = app.post_json(&acq01, &approve, &note).await;
    assert_eq!((status.as_u16(), code(&body)), (403, "forbidden"));
    let (status, body) = app
        .post_json(&subscriber, "/v1/blacklist", &person_entry(2))
        .await;
    assert_eq!((status.as_u16(), code(&body)), (403, "forbidden"));
    let own = report(&app, &analyst, &person_entry(3)).await;
    assert_eq!(own["reporter"], "association");
    let (status, body) = app
        .post_json(
            &analyst,
            &format!("/v1/blacklist/{}/approve", own["id"]),
            &note,
        )
        .await;
    assert_eq!((status.as_u16(), code(&body)), (403, "self_review"));
    let (status, body) = app
        .post_json(&analyst, &approve, &json!({"note": " "}))
        .await;
    assert_eq!((status.as_u16(), code(&body)), (400, "note_required"));
    assert_eq!(
        head_seq(&app, &subscriber).await,
        0,
        "nothing published yet"
    );

    // Another acquirer does not see a report under review.
    let (status, _) = app.get(&acq02, &format!("/v1/blacklist/{id}")).await;
    assert_eq!(status, 404);

    let (status, approval) = app.post_json(&analyst, &approve, &note).await;
    assert_eq!(status, 200, "{approval}");
    assert_eq!(approval["entry"]["status"], "active");
    assert!(approval["entry"]["expires_at"].as_str().unwrap() > "2031-01-01");
    assert_eq!(head_seq(&app, &subscriber).await, 1);
    let (status, body) = app.post_json(&other_analyst, &approve, &note).await;
    assert_eq!((status.as_u16(), code(&body)), (409, "entry_status"));

    // Members see the active entry, not the evidence or the reviewers' keys.
    let (status, seen) = app.get(&acq02, &format!("/v1/blacklist/{id}")).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen["evidence"], Value::Null);
    let actors: Vec<&str> = seen["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["association", "association"]);
    let (status, _) = app.get(&subscriber, "/v1/blacklist").await;
    assert_eq!(status, 403, "subscribers read the feed");

    let remove = format!("/v1/blacklist/{id}/remove");
    let (status, body) = app
        .post_json(
            &analyst,
            &remove,
            &json!({"removal": "expired", "note": "x"}),
        )
        .await;
    assert_eq!((status.as_u16(), code(&body)), (400, "invalid_removal"));
    let (status, removed) = app
        .post_json(
            &other_analyst,
            &remove,
            &json!({"removal": "appeal_upheld", "note": "申诉成立"}),
        )
        .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(
        (removed["status"].as_str(), removed["removal"].as_str()),
        (Some("removed"), Some("appeal_upheld"))
    );
    assert_eq!(head_seq(&app, &subscriber).await, 2);

    let (status, history) = app
        .get(&analyst, &format!("/v1/blacklist/{id}/history"))
        .await;
    assert_eq!(status, 200);
    let steps: Vec<(Value, Value, Value)> = history["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["from"].clone(), t["to"].clone(), t["note"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("reported"), json!("reported")),
            (json!("reported"), json!("active"), json!("证据充分")),
            (json!("active"), json!("removed"), json!("申诉成立")),
        ]
    );
    // Nothing is ever deleted: the removed entry is still listed.
    let (_, listed) = app.get(&analyst, "/v1/blacklist?status=removed").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // Rejection is final and published nowhere.
    let third = report(&app, &acq02, &person_entry(4)).await;
    let (status, rejected) = app
        .post_json(
            &analyst,
            &format!("/v1/blacklist/{}/reject", third["id"]),
            &json!({"note": "证据不足"}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), rejected["status"].as_str()),
        (200, Some("rejected"))
    );
    assert_eq!(head_seq(&app, &subscriber).await, 2);
}
both_backends!(reported_reviewed_removed_with_four_eyes_and_every_step_recorded);

async fn bad_reports_are_refused_with_every_reason_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let cases = [
        (
            json!({"subject_type": "person", "reason": "theft", "penalty": "terminate",
                "evidence": "x", "id_number": resident_id(1)}),
            "invalid_enum",
        ),
        (
            json!({"subject_type": "person", "reason": "cash_out", "penalty": "terminate",
                "evidence": format!("身份证{}", resident_id(1)), "id_number": resident_id(1)}),
            "evidence_sensitive",
        ),
        (
            json!({"subject_type": "terminal", "reason": "skimming", "penalty": "terminate",
                "evidence": "改装终端"}),
            "entry_identifier_missing",
        ),
        (
            json!({"subject_type": "person", "reason": "cash_out", "penalty": "terminate",
                "evidence": "x", "id_number": "110105198001010010"}),
            "id_check_digit",
        ),
        (
            json!({"subject_type": "person", "reason": "cash_out", "penalty": "terminate",
                "evidence": "x", "id_number": resident_id(1), "reporter": "ACQ02"}),
            "reporter_mismatch",
        ),
        (
            json!({"subject_type": "person", "reason": "cash_out", "penalty": "terminate",
                "evidence": "x", "id_number": resident_id(1),
                "expires_at": "2020-01-01T00:00:00Z"}),
            "expires_in_past",
        ),
    ];
    for (entry, expected) in cases {
        let (status, body) = app.post_json(&acq01, "/v1/blacklist", &entry).await;
        assert_eq!(
            (status.as_u16(), code(&body)),
            (400, "invalid_entry"),
            "{body}"
        );
        let codes: Vec<&str> = body["error"]["details"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert!(codes.contains(&expected), "{expected}: {body}");
        assert!(!body.to_string().contains(&resident_id(1)), "{body}");
    }
    let (status, body) = app.post_bytes(&acq01, "/v1/blacklist", b"{".to_vec()).await;
    assert_eq!((status.as_u16(), code(&body)), (400, "invalid_body"));
    let (_, listed) = app.get(&app.admin_key, "/v1/blacklist").await;
    assert_eq!(listed, json!([]));
    assert_eq!(head_seq(&app, &app.admin_key).await, 0);
}
both_backends!(bad_reports_are_refused_with_every_reason_and_change_nothing);

async fn an_entry_past_its_expiry_is_removed_by_the_hub_itself(backend: Backend) {
    let app = spawn_app_tuned(backend, |s| s.blacklist.sweep_interval_secs = 1).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(3);
    let mut entry = person_entry(1);
    entry["expires_at"] = json!(
        soon.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    );
    let id = report(&app, &acq01, &entry).await["id"].as_i64().unwrap();
    let (status, _) = app
        .post_json(
            &analyst,
            &format!("/v1/blacklist/{id}/approve"),
            &json!({"note": "ok"}),
        )
        .await;
    assert_eq!(status, 200);
    let mut seen = Value::Null;
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        seen = app.get(&analyst, &format!("/v1/blacklist/{id}")).await.1;
        if seen["status"] == "removed" {
            break;
        }
    }
    assert_eq!(
        (seen["status"].as_str(), seen["removal"].as_str()),
        (Some("removed"), Some("expired")),
        "{seen}"
    );
    let last = seen["transitions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["actor"].as_str(), last["to"].as_str()),
        (Some("system"), Some("removed"))
    );
    assert_eq!(head_seq(&app, &analyst).await, 2, "the expiry is published");
}
both_backends!(an_entry_past_its_expiry_is_removed_by_the_hub_itself);

async fn an_institutions_list_imports_once_and_bad_lines_are_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let analyst = app.create_key("analyst", None).await;
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../samples/blacklist.jsonl"
    ))
    .unwrap();
    let mut entries: Vec<Value> = sample
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let mut entry: Value = serde_json::from_str(line).unwrap();
            entry["external_ref"] = json!(format!("BL-{i:04}"));
            entry
        })
        .collect();
    entries.push(json!({"subject_type": "merchant", "reason": "cash_out"}));
    let body = json!({ "entries": entries });
    let (status, first) = app.post_json(&analyst, "/v1/blacklist/import", &body).await;
    assert_eq!(status, 200, "{first}");
    let outcomes: Vec<&str> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    let n = entries.len();
    assert_eq!(outcomes[..n - 1], vec!["reported"; n - 1][..], "{first}");
    assert_eq!(outcomes[n - 1], "invalid");
    let (status, again) = app.post_json(&analyst, "/v1/blacklist/import", &body).await;
    assert_eq!(status, 200);
    assert!(
        again["results"].as_array().unwrap()[..n - 1]
            .iter()
            .all(|r| r["outcome"] == "duplicate"),
        "{again}"
    );
    let (_, listed) = app.get(&analyst, "/v1/blacklist?limit=1000").await;
    assert_eq!(listed.as_array().unwrap().len(), n - 1);
    let reporters: std::collections::BTreeSet<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reporter"].as_str().unwrap())
        .collect();
    assert!(
        reporters.contains("ACQ03"),
        "the reporter the list names is kept"
    );
}
both_backends!(an_institutions_list_imports_once_and_bad_lines_are_named);

async fn an_update_is_published_and_screens_see_the_new_penalty_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let id = report(&app, &acq01, &person_entry(9)).await["id"]
        .as_i64()
        .unwrap();
    let (status, _) = app
        .post_json(
            &analyst,
            &format!("/v1/blacklist/{id}/approve"),
            &json!({"note": "ok"}),
        )
        .await;
    assert_eq!(status, 200);
    let update = format!("/v1/blacklist/{id}/update");
    let (status, body) = app
        .post_json(&analyst, &update, &json!({"penalty": "fine", "note": "x"}))
        .await;
    assert_eq!((status.as_u16(), code(&body)), (400, "invalid_enum"));
    let (status, updated) = app
        .post_json(
            &analyst,
            &update,
            &json!({"penalty": "delay_settlement", "expires_at": "2040-01-01T00:00:00+08:00",
                    "note": "复核后调整处罚"}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["penalty"], "delay_settlement");
    assert_eq!(updated["expires_at"], "2039-12-31T16:00:00.000Z");
    assert_eq!(updated["status"], "active");
    let (_, head) = app.get(&analyst, "/v1/feed/head").await;
    assert_eq!(head["seq"], 2);
    let (_, _, events) = app.get_bytes(&analyst, "/v1/feed/events?after=1").await;
    let event: Value = serde_json::from_slice(&events).unwrap();
    assert_eq!(event["payload"]["action"], "update");
    assert_eq!(event["payload"]["entry"]["penalty"], "delay_settlement");

    let mut prospect = crate::helpers::merchant(30);
    prospect["legal_rep"]["id_number"] = json!(resident_id(9));
    let (_, answer) = app
        .post_json(
            &acq01,
            "/v1/screen",
            &json!({"purpose": "investigation", "records": [prospect]}),
        )
        .await;
    let hit = &answer["results"][0]["hits"][0];
    assert_eq!(
        (hit["decision"].as_str(), hit["penalty"].as_str()),
        (Some("blocked"), Some("delay_settlement"))
    );
}
both_backends!(an_update_is_published_and_screens_see_the_new_penalty_at_once);
