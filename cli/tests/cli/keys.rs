//! `mhub keys`: the admin manages keys; unknown keys are refused.

use crate::helpers::{TestHub, json_lines, run, stderr};

#[test]
fn keys_create_prints_the_key_and_list_shows_it_without_the_secret() {
    // Arrange
    let hub = TestHub::spawn();

    // Act
    let created = json_lines(&run(hub.mhub(&hub.admin_key).args([
        "keys",
        "create",
        "--role",
        "acquirer",
        "--acquirer",
        "ACQ01",
        "--json",
    ])));
    let listed = run(hub.mhub(&hub.admin_key).args(["keys", "list", "--json"]));

    // Assert
    let key = &created[0];
    assert!(key["key"].as_str().unwrap().starts_with("mhub_"));
    assert_eq!(key["role"], "acquirer");
    assert_eq!(key["acquirer"], "ACQ01");
    let secret = key["key"].as_str().unwrap().to_owned();
    let lines = json_lines(&listed);
    assert!(lines.iter().any(|k| k["key_id"] == key["key_id"]));
    assert!(!String::from_utf8_lossy(&listed.stdout).contains(&secret));
}

#[test]
fn a_metrics_key_is_created_and_reads_nothing_but_metrics() {
    // Arrange
    let hub = TestHub::spawn();

    // Act
    let created = json_lines(&run(hub
        .mhub(&hub.admin_key)
        .args(["keys", "create", "--role", "metrics", "--json"])));
    let key = created[0]["key"].as_str().unwrap().to_owned();
    let read = run(hub.mhub(&key).args(["batches", "list"]));

    // Assert
    assert_eq!(created[0]["role"], "metrics");
    assert_eq!(read.status.code(), Some(1));
    assert!(
        stderr(&read).contains("error: forbidden"),
        "{}",
        stderr(&read)
    );
}

#[test]
fn a_revoked_key_is_refused() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let key_id = key.split('_').nth(1).unwrap();

    // Act
    let revoke = run(hub
        .mhub(&hub.admin_key)
        .args(["keys", "revoke", key_id, "--json"]));
    let after = run(hub.mhub(&key).args(["batches", "list"]));

    // Assert
    assert!(json_lines(&revoke)[0]["revoked_at"].is_string());
    assert_eq!(after.status.code(), Some(1));
    assert!(
        stderr(&after).contains("error: key_revoked"),
        "{}",
        stderr(&after)
    );
}

#[test]
fn an_unknown_key_fails_with_the_hubs_code() {
    // Arrange
    let hub = TestHub::spawn();
    let unknown = format!("mhub_0123456789ab_{}", "f".repeat(64));

    // Act
    let output = run(hub.mhub(&unknown).args(["batches", "list", "--json"]));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error: key_unknown:"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_key_is_explained_before_any_request() {
    // Arrange
    let hub = TestHub::spawn();

    // Act
    let output = run(crate::helpers::mhub()
        .env("MHUB_URL", &hub.server.url)
        .args(["batches", "list"]));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("MHUB_KEY"), "{}", stderr(&output));
}

#[test]
fn a_usage_error_exits_with_2() {
    let output = run(crate::helpers::mhub().args(["keys", "create", "--role", "wizard"]));
    assert_eq!(output.status.code(), Some(2));
}
