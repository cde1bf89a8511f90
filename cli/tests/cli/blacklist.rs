//! `mhub blacklist …` and `mhub screen` on the committed samples: the
//! sample blacklist imported and approved, its retro alerts equal to the
//! planted blacklist hits of truth.json (and none for the decoys), and the
//! scripting form of `mhub screen` (SPEC §7, §11).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{
    approve_entries, hub_with_samples, json_lines, report_sample_blacklist, run, samples, stderr,
    stdout,
};

fn truth_hits() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(samples().join("truth.json")).unwrap();
    let truth: Value = serde_json::from_str(&text).unwrap();
    truth["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "blacklist_hit")
        .flat_map(|c| c["members"].as_array().unwrap().clone())
        .map(|m| {
            (
                m["acquirer"].as_str().unwrap().to_owned(),
                m["merchant_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_sample_blacklist_approved_raises_exactly_the_planted_hits_and_screens_block_them() {
    let (hub, keys, analyst) = hub_with_samples();
    let reviewer = hub.analyst_key();

    let reported = report_sample_blacklist(&hub, &analyst);
    assert_eq!(reported.len(), 11);
    assert!(
        reported.iter().all(|r| r["outcome"] == "reported"),
        "{reported:?}"
    );

    // The reporting analyst may not approve; another one does.
    let id = reported[0]["id"].as_i64().unwrap().to_string();
    let refused = run(hub
        .mhub(&analyst)
        .args(["blacklist", "approve", &id, "--note", "ok"]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("self_review"),
        "{}",
        stderr(&refused)
    );
    approve_entries(&hub, &reviewer, &reported);
    let active = json_lines(&run(hub.mhub(&keys["ACQ01"]).args([
        "blacklist",
        "list",
        "--status",
        "active",
        "--json",
    ])));
    assert_eq!(active.len(), 11);
    let text = serde_json::to_string(&active).unwrap();
    assert!(!text.contains("65282719880827450X"), "IDs are masked");

    let alerts = json_lines(&run(hub.mhub(&analyst).args([
        "alerts",
        "list",
        "--type",
        "blacklist_hit",
        "--json",
    ])));
    let members: BTreeSet<(String, String)> = alerts
        .iter()
        .flat_map(|a| a["members"].as_array().unwrap().clone())
        .map(|m| {
            (
                m["acquirer"].as_str().unwrap().to_owned(),
                m["merchant_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(members, truth_hits(), "{alerts:?}");
    assert_eq!(
        alerts.len(),
        6,
        "one alert per planted entry, none for decoys"
    );

    // Screening ACQ01's own file blocks its planted re-entry, and no more.
    let screens = json_lines(&run(hub.mhub(&keys["ACQ01"]).args([
        "screen",
        samples().join("ACQ01/merchants.jsonl").to_str().unwrap(),
        "--json",
    ])));
    let blocked: BTreeSet<(String, String)> = screens
        .iter()
        .filter(|s| s["decision"] == "blocked")
        .map(|s| {
            (
                "ACQ01".to_owned(),
                s["merchant_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let planted: BTreeSet<(String, String)> = truth_hits()
        .into_iter()
        .filter(|(acquirer, _)| acquirer == "ACQ01")
        .collect();
    assert_eq!(blocked, planted, "{screens:?}");
    for screen in &screens {
        assert!(
            screen.get("line").is_some() && screen.get("hits").is_some(),
            "{screen}"
        );
    }
    let invalid = screens.iter().filter(|s| s["decision"].is_null()).count();
    assert!(
        invalid >= 1,
        "the samples' broken rows are answered with their errors"
    );

    let table = run(hub.mhub(&keys["ACQ01"]).args([
        "screen",
        samples().join("ACQ01/merchants.jsonl").to_str().unwrap(),
    ]));
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("blocked"));

    let history = json_lines(&run(hub.mhub(&analyst).args([
        "blacklist",
        "history",
        &id,
        "--json",
    ])));
    assert_eq!(history.len(), 2, "{history:?}");
}
