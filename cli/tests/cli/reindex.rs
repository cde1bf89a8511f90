//! `mhub reindex` on the committed samples: a full rebuild of the alerts
//! equals what incremental matching raised batch by batch (SPEC §5, §10).

use serde_json::Value;

use crate::helpers::{Server, hub_with_samples, json_lines, mhub, run, stderr, stdout};

/// An alert as a finding: who, what kind, how strong, its status, and what
/// ties the members. Left out are the parts a rebuild rightly refreshes: a
/// fuzzy link's score and explanation carry rarity counts, which the store
/// has grown since the batch that found the link (docs/matching.md).
fn finding(alert: &Value) -> Value {
    let mut links = alert["evidence"]["links"].clone();
    for link in links.as_array_mut().into_iter().flatten() {
        let fields = link.as_object_mut().expect("a link is an object");
        fields.remove("score");
        fields.remove("explanation");
    }
    serde_json::json!({
        "id": alert["id"],
        "type": alert["type"],
        "subtype": alert["subtype"],
        "members": alert["members"],
        "score": alert["score"],
        "status": alert["status"],
        "fields": alert["evidence"]["fields"],
        "links": links,
    })
}

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
    assert_eq!(
        after.iter().map(finding).collect::<Vec<_>>(),
        before.iter().map(finding).collect::<Vec<_>>()
    );

    let text = stdout(&table);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    assert!(text.contains(&format!("read {stored} merchants")), "{text}");
    assert!(text.contains("no alert changed"), "{text}");
}
