//! `mhub samples evaluate`: the hub's accuracy on generated data against
//! the truth file (SPEC §12).

use serde_json::Value;

use crate::helpers::{json_lines, mhub, run, stderr, stdout};

/// The row of `--json`'s `scores` for this type and subtype.
fn score<'a>(report: &'a Value, case_type: &str, subtype: Option<&str>) -> &'a Value {
    report["scores"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == case_type && s["subtype"].as_str() == subtype)
        .unwrap_or_else(|| panic!("no {case_type}/{subtype:?} row in {report}"))
}

#[test]
fn identifier_tied_cases_are_found_exactly_and_no_hard_negative_is_one_person() {
    // Arrange: the committed samples' options (without photos).
    let mut command = mhub();
    command.args([
        "samples",
        "evaluate",
        "--merchants",
        "240",
        "--acquirers",
        "3",
        "--seed",
        "42",
        "--json",
    ]);

    // Act
    let output = run(&mut command);

    // Assert: SPEC §12, "cases tied by an identifier: precision and recall 1.00".
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let report = &lines[0];
    assert_eq!(report["rows"], 240, "{report}");
    assert_eq!(
        report["unexpected_rejections"],
        serde_json::json!([]),
        "{report}"
    );
    for (case_type, subtype) in [
        ("one_person_many_merchants", Some("exact")),
        ("one_terminal_many_merchants", None),
        ("shared_phone", None),
        ("shared_settlement_account", None),
    ] {
        let row = score(report, case_type, subtype);
        assert!(row["cases"].as_u64().unwrap() > 0, "{row}");
        assert_eq!(
            row["precision"], 1.0,
            "{row}\nfalse positives: {}",
            report["false_positives"]
        );
        assert_eq!(row["recall"], 1.0, "{row}\nmissed: {}", report["missed"]);
        assert_eq!(row["f1"], 1.0, "{row}");
    }
    assert!(
        report["hard_negative_groups"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(report["hard_negatives_flagged"], 0, "{}", report["flagged"]);
}

#[test]
fn the_table_names_every_planted_type_and_explains_the_scores() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("eval");
    let mut command = mhub();
    command
        .args([
            "samples",
            "evaluate",
            "--merchants",
            "120",
            "--acquirers",
            "2",
            "--keep",
        ])
        .arg(&keep);

    // Act
    let output = run(&mut command);

    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for expected in [
        "one_person_many_merchants",
        "blacklist_hit",
        "precision",
        "hard negatives flagged as one person:",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Every planted type is raised now, the blacklist's too (its entries
    // are approved after the uploads): no type goes without an alert.
    assert!(!text.contains("No alert at all of"), "{text}");
    let blacklist = text
        .lines()
        .find(|line| line.contains("blacklist_hit"))
        .expect("a blacklist_hit row");
    assert!(blacklist.contains("1.000"), "{blacklist}");
    assert!(keep.join("samples/truth.json").is_file());
    assert!(keep.join("data").is_dir());
}

#[test]
fn a_keep_folder_that_is_not_empty_is_refused() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("something"), "").unwrap();

    // Act
    let output = run(mhub()
        .args(["samples", "evaluate", "--merchants", "10", "--keep"])
        .arg(dir.path()));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("is not empty"),
        "{}",
        stderr(&output)
    );
}
