//! `mhub reindex` on the committed samples: a full rebuild of the alerts
//! equals what incremental matching raised batch by batch (SPEC §5, §10).

use crate::helpers::{Server, hub_with_samples, json_lines, mhub, run, stderr, stdout};

#[test]
fn a_full_rebuild_after_the_sample_uploads_changes_no_alert() {
    // Arrange
    let (mut hub, _, analyst) = hub_with_samples();
    let before = json_lines(&run(hub.mhub(&analyst).args(["alerts", "list", "--json"])));
    let stored: i64 = json_lines(&run(hub
        .mhub(&hub.admin_key)
        .args(["batches", "list", "--json"])))
    .iter()
    .map(|batch| batch["created"].as_i64().unwrap())
    .sum();
    assert!(hub.server.terminate().success());

    // Act
    let report = json_lines(&run(mhub()
        .args(["reindex", "--json", "--data-dir"])
        .arg(hub.data_dir())));
    hub.server = Server::start(&hub.data_dir());
    let after = json_lines(&run(hub.mhub(&analyst).args(["alerts", "list", "--json"])));
    // Again, as people run it, next to the hub serving the same SQLite file.
    let table = run(mhub().arg("reindex").arg("--data-dir").arg(hub.data_dir()));

    // Assert
    assert_eq!(report.len(), 1, "{report:?}");
    assert_eq!(report[0]["merchants"], stored, "{}", report[0]);
    assert!(stored > 200, "the samples hold 240 rows, a few invalid");
    assert_eq!(report[0]["changes"], serde_json::json!([]), "{}", report[0]);
    assert!(!before.is_empty());
    assert_eq!(after, before);

    let text = stdout(&table);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    assert!(text.contains(&format!("read {stored} merchants")), "{text}");
    assert!(text.contains("no alert changed"), "{text}");
}
