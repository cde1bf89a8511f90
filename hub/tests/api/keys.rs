//! Keys and roles: every request is authenticated; admins manage keys.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

async fn a_missing_malformed_unknown_or_revoked_key_is_refused_with_its_own_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/v1/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "key_missing");

    let (status, body) = app.get("not-a-key", "/v1/me").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("key_malformed"))
    );

    let unknown = format!("mhub_0123456789ab_{}", "0".repeat(64));
    let (status, body) = app.get(&unknown, "/v1/me").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("key_unknown"))
    );

    let key = app.create_key("analyst", None).await;
    let (status, me) = app.get(&key, "/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["role"], "analyst");
    let key_id = me["key_id"].as_str().unwrap();
    let response = app
        .client
        .post(app.url(&format!("/v1/keys/{key_id}/revoke")))
        .bearer_auth(&app.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (status, body) = app.get(&key, "/v1/me").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (401, Some("key_revoked"))
    );
}
both_backends!(a_missing_malformed_unknown_or_revoked_key_is_refused_with_its_own_code);

async fn only_admins_manage_keys_and_keys_are_listed_without_secrets(backend: Backend) {
    let app = spawn_app(backend).await;
    let acquirer = app.create_key("acquirer", Some("ACQ01")).await;
    let response = app
        .client
        .post(app.url("/v1/keys"))
        .bearer_auth(&acquirer)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    let (status, keys) = app.get(&app.admin_key, "/v1/keys").await;
    assert_eq!(status, 200);
    let text = keys.to_string();
    assert!(
        !text.contains(&acquirer),
        "a listed key must not carry its secret"
    );
    assert!(!text.contains(&app.admin_key));
    assert_eq!(keys.as_array().unwrap().len(), 2);
}
both_backends!(only_admins_manage_keys_and_keys_are_listed_without_secrets);

async fn an_acquirer_key_needs_a_valid_acquirer_code(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in [
        json!({"role": "acquirer"}),
        json!({"role": "acquirer", "acquirer": "acq 01"}),
        json!({"role": "analyst", "acquirer": "ACQ01"}),
    ] {
        let response = app
            .client
            .post(app.url("/v1/keys"))
            .bearer_auth(&app.admin_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(answer["error"]["code"], "invalid_acquirer");
    }
    let response = app
        .client
        .post(app.url("/v1/keys"))
        .bearer_auth(&app.admin_key)
        .json(&json!({"role": "superuser"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
both_backends!(an_acquirer_key_needs_a_valid_acquirer_code);
