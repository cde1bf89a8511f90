//! `/v1/merchants`: versions are kept, access follows the acquirer, nothing
//! sensitive is stored or returned in clear.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, jsonl, merchant, spawn_app};

const JSONL: &str = "application/x-ndjson";

async fn a_changed_row_adds_a_version_and_an_identical_row_adds_none(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    app.upload(&key, JSONL, jsonl(&[merchant(1)])).await;
    let mut renamed = merchant(1);
    renamed["name"] = json!("深圳市测试新名称商行");
    let (_, second) = app
        .upload(&key, JSONL, jsonl(&[renamed.clone(), merchant(2)]))
        .await;
    assert_eq!(
        (second["updated"].as_i64(), second["created"].as_i64()),
        (Some(1), Some(1))
    );
    // Same content again in a different batch (different bytes: reordered).
    let (_, third) = app
        .upload(&key, JSONL, jsonl(&[merchant(2), renamed]))
        .await;
    assert_eq!(third["unchanged"], 2, "{third}");

    let (status, current) = app.get(&key, "/v1/merchants/ACQ01/898440358120001").await;
    assert_eq!(status, 200);
    assert_eq!(current["version"], 2);
    assert_eq!(current["record"]["name"], "深圳市测试新名称商行");
    let (_, versions) = app
        .get(&key, "/v1/merchants/ACQ01/898440358120001/versions")
        .await;
    let names: Vec<_> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["record"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["深圳市测试商行1号店", "深圳市测试新名称商行"]);
}
both_backends!(a_changed_row_adds_a_version_and_an_identical_row_adds_none);

async fn a_merchant_id_twice_in_one_batch_keeps_the_first_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    let (_, result) = app
        .upload(&key, JSONL, jsonl(&[merchant(1), merchant(1)]))
        .await;
    assert_eq!(result["accepted"], 1);
    assert_eq!(result["errors"][0]["code"], "duplicate_merchant_id");
    assert_eq!(result["errors"][0]["line"], 2);
}
both_backends!(a_merchant_id_twice_in_one_batch_keeps_the_first_row);

async fn acquirers_read_only_their_own_merchants_and_see_masks_not_values(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let subscriber = app.create_key("subscriber", None).await;
    let row = merchant(3);
    app.upload(&one, JSONL, jsonl(std::slice::from_ref(&row)))
        .await;
    let path = "/v1/merchants/ACQ01/898440358120003";

    let (status, own) = app.get(&one, path).await;
    assert_eq!(status, 200);
    assert_eq!(app.get(&two, path).await.0, 403);
    assert_eq!(app.get(&subscriber, path).await.0, 403);
    let (status, seen) = app.get(&analyst, path).await;
    assert_eq!(status, 200);
    assert_eq!(seen, own);
    assert_eq!(
        app.get(&two, "/v1/merchants/ACQ02/898440358120003").await.0,
        404
    );

    let text = own.to_string();
    for raw in [
        row["legal_rep"]["id_number"].as_str().unwrap(),
        row["legal_rep"]["phone"].as_str().unwrap(),
        row["contact_phone"].as_str().unwrap(),
        row["settlement_account"]["number"].as_str().unwrap(),
    ] {
        assert!(
            !text.contains(raw),
            "raw value {raw} leaked into a response"
        );
    }
    let id = row["legal_rep"]["id_number"].as_str().unwrap();
    assert_eq!(
        own["record"]["legal_rep"]["id"]["masked"],
        format!("{}********{}", &id[..6], &id[14..])
    );
}
both_backends!(acquirers_read_only_their_own_merchants_and_see_masks_not_values);
