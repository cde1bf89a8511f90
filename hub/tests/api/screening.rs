//! Screening (SPEC §7): prospective merchants answered clear, review or
//! blocked with a match code per field; batch rows screened on ingest; an
//! entry approved later raises retro alerts on stored merchants and on kept
//! screens; a blacklisted merchant renamed at another acquirer is caught.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, card, jsonl, merchant, resident_id, spawn_app};

const JSONL: &str = "application/x-ndjson";

/// The 15-digit legacy form of an 18-digit resident ID born in the 1900s.
fn legacy(id: &str) -> String {
    format!("{}{}", &id[..6], &id[8..17])
}

async fn list_and_approve(app: &TestApp, reporter: &str, analyst: &str, entry: Value) -> Value {
    let (status, body) = app.post_json(reporter, "/v1/blacklist", &entry).await;
    assert_eq!(status, 201, "{body}");
    let (status, approval) = app
        .post_json(
            analyst,
            &format!("/v1/blacklist/{}/approve", body["id"]),
            &json!({"note": "核实"}),
        )
        .await;
    assert_eq!(status, 200, "{approval}");
    approval
}

async fn screen(app: &TestApp, key: &str, records: &[Value]) -> Vec<Value> {
    let body = json!({"purpose": "investigation", "records": records});
    let (status, answer) = app.post_json(key, "/v1/screen", &body).await;
    assert_eq!(status, 200, "{answer}");
    answer["results"].as_array().unwrap().clone()
}

fn field(result: &Value, name: &str) -> String {
    result["hits"][0]["fields"][name]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

async fn a_blacklisted_merchant_renamed_elsewhere_is_blocked_and_retro_alerted(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    let acq02 = app.create_key("acquirer", Some("ACQ02")).await;
    let acq03 = app.create_key("acquirer", Some("ACQ03")).await;
    let analyst = app.create_key("analyst", None).await;
    let rows: Vec<Value> = (1..=4).map(merchant).collect();
    let (status, _) = app.upload(&acq01, JSONL, jsonl(&rows)).await;
    assert_eq!(status, 201);

    // ACQ02 screens a prospect before anything is listed: clear, and kept.
    let mut prospect = merchant(50);
    prospect["legal_rep"]["id_number"] = json!(resident_id(60));
    let before = screen(&app, &acq02, std::slice::from_ref(&prospect)).await;
    assert_eq!(before[0]["decision"], "clear", "{before:?}");

    // ACQ01 lists merchant 2's legal representative and merchant 3's card;
    // an analyst approves; the retro screen finds the stored merchants.
    let person = list_and_approve(
        &app,
        &acq01,
        &analyst,
        json!({"subject_type": "person", "reason": "cash_out", "penalty": "terminate",
               "evidence": "套现", "name": "王伟", "id_number": resident_id(2)}),
    )
    .await;
    assert_eq!(person["merchants_hit"], 1, "{person}");
    assert_eq!(person["alert"]["type"], "blacklist_hit");
    let account = list_and_approve(
        &app,
        &acq01,
        &analyst,
        json!({"subject_type": "settlement_account", "reason": "account_trading",
               "penalty": "suspend_transactions", "evidence": "买卖账户",
               "account_number": card(3)}),
    )
    .await;
    assert_eq!(account["merchants_hit"], 1);

    // The prospect ACQ02 screened earlier turns out to share a listed ID.
    let late = list_and_approve(
        &app,
        &acq03,
        &analyst,
        json!({"subject_type": "person", "reason": "telecom_fraud", "penalty": "terminate",
               "evidence": "涉诈", "id_number": resident_id(60)}),
    )
    .await;
    assert_eq!(
        (
            late["merchants_hit"].as_i64(),
            late["screenings_hit"].as_i64()
        ),
        (Some(0), Some(1))
    );
    let retro = late["alert"]["id"].as_i64().unwrap();
    let (status, seen) = app.get(&acq02, &format!("/v1/alerts/{retro}")).await;
    assert_eq!(
        status, 200,
        "the screening acquirer sees its retro alert: {seen}"
    );
    assert_eq!(seen["evidence"]["screenings"][0]["acquirer"], "ACQ02");
    let (status, _) = app.get(&acq01, &format!("/v1/alerts/{retro}")).await;
    assert_eq!(status, 403, "nobody else does");

    // Re-entry at ACQ02 under new names: the ID written as the 15-digit
    // legacy form, the listed card, and a clean prospect.
    let mut renamed_person = merchant(70);
    renamed_person["name"] = json!("东莞市恒通贸易商行");
    renamed_person["legal_rep"]["id_number"] = json!(legacy(&resident_id(2)));
    let mut renamed_account = merchant(71);
    renamed_account["name"] = json!("广州市万顺百货店");
    renamed_account["settlement_account"]["number"] = json!(card(3));
    let clean = merchant(72);
    let results = screen(
        &app,
        &acq02,
        &[renamed_person.clone(), renamed_account.clone(), clean],
    )
    .await;
    assert_eq!(results[0]["decision"], "blocked", "{:?}", results[0]);
    assert_eq!(field(&results[0], "legal_rep_id"), "exact");
    // A person entry's name is the legal representative's: still the same.
    assert_eq!(field(&results[0], "name"), "exact");
    assert_eq!(results[0]["hits"][0]["reason"], "cash_out");
    assert_eq!(results[0]["existing"]["legal_rep"]["merchants"], 1);
    assert_eq!(results[1]["decision"], "blocked");
    assert_eq!(field(&results[1], "account"), "exact");
    assert_eq!(results[2]["decision"], "clear");
    assert_eq!(results[2]["hits"], json!([]));

    // Uploading them anyway raises (grows) the entries' alerts.
    let (status, batch) = app
        .upload(&acq02, JSONL, jsonl(&[renamed_person, renamed_account]))
        .await;
    assert_eq!(status, 201, "{batch}");
    let hits: Vec<&Value> = batch["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "blacklist_hit")
        .collect();
    assert_eq!(hits.len(), 2, "{batch}");
    assert!(
        hits.iter()
            .all(|a| a["change"] == "grown" && a["member_count"] == 2)
    );
    // ACQ02 sees the ACQ01 member redacted.
    let id = person["alert"]["id"].as_i64().unwrap();
    let (_, seen) = app.get(&acq02, &format!("/v1/alerts/{id}")).await;
    let members: Vec<(Value, Value)> = seen["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["acquirer"].clone(), m["merchant_id"].clone()))
        .collect();
    assert_eq!(
        members,
        [
            (json!("ACQ01"), Value::Null),
            (json!("ACQ02"), json!("898440358120070"))
        ]
    );
}
both_backends!(a_blacklisted_merchant_renamed_elsewhere_is_blocked_and_retro_alerted);

async fn a_screen_needs_a_purpose_and_valid_records_and_names_bad_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let acq01 = app.create_key("acquirer", Some("ACQ01")).await;
    // Without the test client's purpose header: the body alone decides.
    let bare = reqwest::Client::new();
    let post = |body: Value| {
        bare.post(app.url("/v1/screen"))
            .bearer_auth(&acq01)
            .json(&body)
            .send()
    };
    for (body, code) in [
        (json!({"records": [merchant(1)]}), "purpose_required"),
        (
            json!({"purpose": "marketing", "records": [merchant(1)]}),
            "invalid_purpose",
        ),
        (
            json!({"purpose": "onboarding", "records": []}),
            "invalid_records",
        ),
    ] {
        let response = post(body).await.unwrap();
        assert_eq!(response.status(), 400);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["code"], code, "{answer}");
    }
    let response = post(json!({"purpose": "onboarding", "records": [merchant(1)]}))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The header (investigation, from the test client) and a different body
    // purpose contradict each other.
    let (status, answer) = app
        .post_json(
            &acq01,
            "/v1/screen",
            &json!({"purpose": "onboarding", "records": [merchant(1)]}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), &answer["error"]["code"]),
        (400, &json!("purpose_conflict"))
    );
    let mut bad = merchant(2);
    bad["legal_rep"]["id_number"] = json!("110105198001010010");
    let results = screen(&app, &acq01, &[merchant(1), bad]).await;
    assert_eq!(results[0]["decision"], "clear");
    assert_eq!(results[1]["decision"], Value::Null);
    assert_eq!(results[1]["errors"][0]["code"], "id_check_digit");
    assert!(
        !serde_json::to_string(&results)
            .unwrap()
            .contains("110105198001010010")
    );
}
both_backends!(a_screen_needs_a_purpose_and_valid_records_and_names_bad_ones);
