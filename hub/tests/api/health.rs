//! `/healthz` and the error answers for routes that do not exist.

use crate::both_backends;
use crate::helpers::{Backend, spawn_app};

async fn healthz_answers_with_the_backend_in_use(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(body["store"], expected);
}
both_backends!(healthz_answers_with_the_backend_in_use);

async fn an_unknown_route_is_a_json_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get(&app.admin_key, "/v1/nothing-here").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}
both_backends!(an_unknown_route_is_a_json_404);
