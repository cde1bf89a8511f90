//! `mhub audit list | verify`, `mhub keys rotate` and `--purpose`, against a
//! running `mhub serve`.

use crate::helpers::{TestHub, json_lines, merchant_row, run, stderr};

#[test]
fn reads_need_a_purpose_and_the_audit_shows_who_read_what_and_why() {
    let hub = TestHub::spawn();
    let acq01 = hub.acquirer_key("ACQ01");
    let analyst = hub.analyst_key();
    let file = hub.write("one.jsonl", &(merchant_row("M1") + "\n"));
    json_lines(&run(hub
        .mhub(&acq01)
        .arg("upload")
        .arg(&file)
        .arg("--json")));

    // Without a purpose the search is refused, with the hub's code.
    let refused = run(hub.mhub(&analyst).env_remove("MHUB_PURPOSE").args([
        "merchants",
        "search",
        "13800138000",
    ]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("purpose_required"),
        "{}",
        stderr(&refused)
    );
    // With one (a flag here) it is answered.
    json_lines(&run(hub.mhub(&analyst).env_remove("MHUB_PURPOSE").args([
        "merchants",
        "search",
        "13800138000",
        "--purpose",
        "periodic_review",
        "--json",
    ])));

    let events = json_lines(&run(hub
        .mhub(&analyst)
        .args(["audit", "list", "--action", "search", "--json"])));
    let summary: Vec<(i64, Option<&str>, Option<&str>)> = events
        .iter()
        .map(|e| {
            (
                e["status"].as_i64().unwrap(),
                e["purpose"].as_str(),
                e["code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (200, Some("periodic_review"), None),
            (400, None, Some("purpose_required"))
        ]
    );
    // The phone number was searched for, and never written down.
    assert!(
        events
            .iter()
            .all(|e| !e.to_string().contains("13800138000"))
    );

    // The acquirer sees its own upload, not the analyst's searches.
    let own = json_lines(&run(hub.mhub(&acq01).args(["audit", "list", "--json"])));
    assert!(!own.is_empty());
    assert!(own.iter().all(|e| e["acquirer"] == "ACQ01"), "{own:?}");

    let report = json_lines(&run(hub.mhub(&analyst).args(["audit", "verify", "--json"])));
    assert_eq!(report[0]["ok"], true, "{report:?}");
}

#[test]
fn a_key_rotates_itself_and_the_old_one_expires_after_its_grace() {
    let hub = TestHub::spawn();
    let acq01 = hub.acquirer_key("ACQ01");
    let key_id = acq01.split('_').nth(1).unwrap().to_owned();
    let rotated = json_lines(&run(hub
        .mhub(&acq01)
        .args(["keys", "rotate", &key_id, "--grace", "0", "--json"])));
    let new_key = rotated[0]["new"]["key"].as_str().unwrap().to_owned();

    let old = run(hub.mhub(&acq01).args(["batches", "list", "--json"]));
    assert_eq!(old.status.code(), Some(1));
    assert!(stderr(&old).contains("key_expired"), "{}", stderr(&old));
    json_lines(&run(hub.mhub(&new_key).args(["batches", "list", "--json"])));

    let keys = json_lines(&run(hub
        .mhub(&hub.admin_key)
        .args(["keys", "list", "--json"])));
    let old_row = keys
        .iter()
        .find(|k| k["key_id"] == key_id.as_str())
        .unwrap();
    assert_eq!(old_row["replaced_by"], rotated[0]["new"]["key_id"]);
}
