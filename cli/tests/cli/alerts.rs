//! `mhub alerts list | show | confirm | dismiss` on the committed samples,
//! as analysts, acquirers and scripts use them (SPEC §5, §9, §11).

use serde_json::Value;

use crate::helpers::{
    TestHub, hub_with_samples, json_lines, mhub, run, stderr, stdout, upload_samples,
};

/// `mhub alerts list --json ARGS` with `key`: one alert per line.
fn list(hub: &TestHub, key: &str, args: &[&str]) -> Vec<Value> {
    json_lines(&run(hub
        .mhub(key)
        .args(["alerts", "list", "--json"])
        .args(args)))
}

/// `mhub alerts show ID --json` with `key`.
fn show(hub: &TestHub, key: &str, id: i64) -> Value {
    let lines = json_lines(&run(hub.mhub(key).args([
        "alerts",
        "show",
        &id.to_string(),
        "--json",
    ])));
    assert_eq!(lines.len(), 1, "{lines:?}");
    lines[0].clone()
}

fn is(alert: &Value, alert_type: &str, subtype: Option<&str>) -> bool {
    alert["type"] == alert_type && alert["subtype"].as_str() == subtype
}

#[test]
fn an_analyst_lists_every_alert_one_json_object_per_line_and_filters_them() {
    // Arrange
    let (hub, _, analyst) = hub_with_samples();

    // Act
    let all = list(&hub, &analyst, &[]);
    let phones = list(&hub, &analyst, &["--type", "shared_phone"]);
    let two = list(&hub, &analyst, &["--limit", "2"]);
    let future = list(&hub, &analyst, &["--since", "2999-01-01T00:00:00+08:00"]);
    let table = run(hub.mhub(&analyst).args(["alerts", "list"]));

    // Assert: the scripting form of SPEC §11.
    assert!(!all.is_empty());
    for alert in &all {
        for field in ["id", "type", "subtype", "members", "score", "status"] {
            assert!(alert.get(field).is_some(), "{field} missing from {alert}");
        }
        for member in alert["members"].as_array().unwrap() {
            assert!(member["acquirer"].is_string(), "{alert}");
            assert!(member["merchant_id"].is_string(), "{alert}");
        }
    }
    assert!(
        all.iter()
            .any(|a| is(a, "one_terminal_many_merchants", None)),
        "{all:?}"
    );
    assert!(
        all.iter()
            .any(|a| is(a, "one_person_many_merchants", Some("exact"))),
        "{all:?}"
    );
    let ids: Vec<i64> = all.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");

    assert!(!phones.is_empty());
    assert!(
        phones.iter().all(|a| a["type"] == "shared_phone"),
        "{phones:?}"
    );
    assert!(phones.len() < all.len());

    assert_eq!(two.len(), 2);
    assert_eq!(two[..], all[..2]);
    assert!(future.is_empty(), "{future:?}");

    let text = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(text.contains("one_terminal_many_merchants"), "{text}");
    assert!(text.contains("exact"), "{text}");
}

#[test]
fn an_acquirer_sees_only_alerts_with_its_own_merchants_and_cannot_decide() {
    // Arrange
    let (hub, keys, analyst) = hub_with_samples();
    let acq01 = &keys["ACQ01"];
    let every = list(&hub, &analyst, &[]);

    // Act
    let own = list(&hub, acq01, &[]);
    let elsewhere = every
        .iter()
        .find(|a| {
            a["members"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["acquirer"] != "ACQ01")
        })
        .expect("the samples have an alert without ACQ01");
    let dismiss = run(hub.mhub(acq01).args([
        "alerts",
        "dismiss",
        &own[0]["id"].to_string(),
        "--reason",
        "not ours to decide",
    ]));
    let peek = run(hub
        .mhub(acq01)
        .args(["alerts", "show", &elsewhere["id"].to_string()]));

    // Assert
    assert!(!own.is_empty());
    assert!(own.len() < every.len());
    let mut others = 0;
    for alert in &own {
        let members = alert["members"].as_array().unwrap();
        assert!(members.iter().any(|m| m["acquirer"] == "ACQ01"), "{alert}");
        for member in members {
            if member["acquirer"] == "ACQ01" {
                assert!(member["merchant_id"].is_string(), "{alert}");
            } else {
                others += 1;
                assert!(member["merchant_id"].is_null(), "{alert}");
            }
        }
    }
    assert!(others > 0, "the samples link ACQ01 to other acquirers");

    assert_ne!(dismiss.status.code(), Some(0));
    assert!(
        stderr(&dismiss).contains("forbidden"),
        "{}",
        stderr(&dismiss)
    );
    assert_eq!(
        show(&hub, &analyst, own[0]["id"].as_i64().unwrap())["status"],
        "open"
    );
    assert_eq!(peek.status.code(), Some(1));
    assert!(stderr(&peek).contains("forbidden"), "{}", stderr(&peek));
}

#[test]
fn a_dismissal_is_recorded_and_replayed_uploads_do_not_reopen_it() {
    // Arrange
    let (hub, keys, analyst) = hub_with_samples();
    let target = list(&hub, &analyst, &["--type", "one_person_many_merchants"])
        .into_iter()
        .find(|a| is(a, "one_person_many_merchants", Some("exact")))
        .expect("an exact one_person_many_merchants alert");
    let id = target["id"].as_i64().unwrap();

    // Act
    let dismissed = json_lines(&run(hub.mhub(&analyst).args([
        "alerts",
        "dismiss",
        &id.to_string(),
        "--reason",
        "family business, verified on site",
        "--json",
    ])));
    let shown = show(&hub, &analyst, id);
    let table = run(hub.mhub(&analyst).args(["alerts", "show", &id.to_string()]));
    let replays = upload_samples(&hub, &keys);
    let after = show(&hub, &analyst, id);

    // Assert
    assert_eq!(dismissed.len(), 1);
    assert_eq!(dismissed[0]["id"], id);
    assert_eq!(dismissed[0]["status"], "dismissed");
    assert_eq!(dismissed[0]["reason"], "family business, verified on site");
    assert_eq!(shown["status"], "dismissed");
    let events = shown["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "dismissed"
                && e["detail"] == "family business, verified on site"),
        "{events:?}"
    );
    let text = stdout(&table);
    for expected in ["dismissed", "family business", "legal_rep.id", "merchants"] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }

    for (code, result) in &replays {
        assert_eq!(result["replayed"], true, "{code}: {result}");
    }
    assert_eq!(after["status"], "dismissed");
    assert_eq!(after["events"], shown["events"]);
    let still = list(&hub, &analyst, &["--status", "dismissed"]);
    assert_eq!(still.len(), 1, "{still:?}");
    assert_eq!(still[0]["id"], id);
}

#[test]
fn a_decision_without_a_reason_and_a_bad_time_are_usage_errors() {
    // Arrange: clap refuses these before any hub is contacted.
    let commands: [&[&str]; 3] = [
        &["alerts", "dismiss", "1"],
        &["alerts", "confirm", "1", "--reason", ""],
        &["alerts", "list", "--since", "yesterday"],
    ];

    for args in commands {
        // Act
        let output = run(mhub()
            .args(["--url", "http://127.0.0.1:9", "--key", "mhub_x"])
            .args(args));

        // Assert
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "{args:?}");
    }
}
