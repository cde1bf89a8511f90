//! `mhub merchants show` and `mhub batches list | show`.

use crate::helpers::{TestHub, json_lines, merchant_row, run, stderr, stdout};

fn hub_with_one_merchant() -> (TestHub, String, i64) {
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let file = hub.write("merchants.jsonl", &(merchant_row("898440358120001") + "\n"));
    let result = json_lines(&run(hub.mhub(&key).arg("upload").arg(&file).arg("--json")));
    let batch_id = result[0]["batch_id"].as_i64().unwrap();
    (hub, key, batch_id)
}

#[test]
fn merchants_show_reads_the_keys_own_acquirer_with_masked_values_only() {
    // Arrange
    let (hub, key, batch_id) = hub_with_one_merchant();

    // Act
    let json = run(hub
        .mhub(&key)
        .args(["merchants", "show", "898440358120001", "--json"]));
    let table = run(hub
        .mhub(&key)
        .args(["merchants", "show", "898440358120001"]));

    // Assert
    let merchant = &json_lines(&json)[0];
    assert_eq!(merchant["acquirer"], "ACQ01");
    assert_eq!(merchant["batch_id"], batch_id);
    assert_eq!(merchant["record"]["mcc"], "5411");
    let text = stdout(&table);
    assert!(text.contains("110105********002X"), "{text}");
    assert!(!text.contains("11010519491231002X"), "{text}");
    assert!(!stdout(&json).contains("13800138000"));
}

#[test]
fn an_analyst_must_name_the_acquirer() {
    // Arrange
    let (hub, _, _) = hub_with_one_merchant();
    let analyst = hub.analyst_key();

    // Act
    let without = run(hub
        .mhub(&analyst)
        .args(["merchants", "show", "898440358120001"]));
    let with = run(hub.mhub(&analyst).args([
        "merchants",
        "show",
        "898440358120001",
        "--acquirer",
        "ACQ01",
        "--versions",
        "--json",
    ]));

    // Assert
    assert_eq!(without.status.code(), Some(1));
    assert!(
        stderr(&without).contains("--acquirer"),
        "{}",
        stderr(&without)
    );
    let versions = json_lines(&with);
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["version"], 1);
}

#[test]
fn batches_list_and_show_print_the_stored_results() {
    // Arrange
    let (hub, key, batch_id) = hub_with_one_merchant();

    // Act
    let list = json_lines(&run(hub.mhub(&key).args(["batches", "list", "--json"])));
    let show = json_lines(&run(hub.mhub(&key).args([
        "batches",
        "show",
        &batch_id.to_string(),
        "--json",
    ])));
    let table = run(hub.mhub(&key).args(["batches", "list"]));

    // Assert
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["batch_id"], batch_id);
    assert_eq!(show[0]["accepted"], 1);
    assert!(stdout(&table).contains("ACQ01"));
}

#[test]
fn batches_show_issues_pages_through_every_issue() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let text: String = (0..3).map(|_| "{bad\n").collect();
    let file = hub.write("bad.jsonl", &(merchant_row("M1") + "\n" + &text));
    let result = json_lines(&run(hub.mhub(&key).arg("upload").arg(&file).arg("--json")));
    let id = result[0]["batch_id"].to_string();

    // Act
    let issues = json_lines(&run(hub
        .mhub(&key)
        .args(["batches", "show", &id, "--issues", "--json"])));

    // Assert
    assert_eq!(issues.len(), 3);
    let lines: Vec<i64> = issues.iter().map(|i| i["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, vec![2, 3, 4]);
}
