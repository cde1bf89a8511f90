//! `mhub upload`: files, splitting, resuming, refusals.

use crate::helpers::{
    TestHub, json_lines, merchant_row, parse_lines, run, stderr, stdout, valid_rows,
};

#[test]
fn an_upload_prints_the_result_and_the_same_bytes_again_are_replayed() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let file = hub.write("merchants.jsonl", &(merchant_row("898440358120001") + "\n"));

    // Act
    let first = json_lines(&run(hub.mhub(&key).arg("upload").arg(&file).arg("--json")));
    let again = run(hub.mhub(&key).arg("upload").arg(&file).arg("--json"));

    // Assert
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["accepted"], 1);
    assert_eq!(first[0]["rejected"], 0);
    assert_eq!(first[0]["replayed"], false);
    assert!(
        stdout(&again).contains(r#""replayed":true"#),
        "{}",
        stdout(&again)
    );
    assert_eq!(json_lines(&again)[0]["batch_id"], first[0]["batch_id"]);
}

#[test]
fn a_malformed_row_is_rejected_and_the_rest_of_the_batch_stored() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let text = format!("{}\n{{not json\n", merchant_row("M1"));
    let file = hub.write("merchants.jsonl", &text);

    // Act
    let output = run(hub.mhub(&key).arg("upload").arg(&file).arg("--json"));

    // Assert
    let result = &json_lines(&output)[0];
    assert_eq!(result["accepted"], 1);
    assert_eq!(result["rejected"], 1);
    assert_eq!(result["errors"][0]["line"], 2);
    assert_eq!(result["errors"][0]["code"], "malformed_json");
}

#[test]
fn the_human_summary_lists_row_errors() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let bad = merchant_row("M2").replace("6217000000000000004", "6217000000000000005");
    let file = hub.write(
        "merchants.jsonl",
        &format!("{}\n{bad}\n", merchant_row("M1")),
    );

    // Act
    let output = run(hub.mhub(&key).arg("upload").arg(&file));

    // Assert
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("account_luhn"), "{text}");
    assert!(text.contains("row errors (1;"), "{text}");
}

#[test]
fn an_all_or_nothing_batch_with_a_bad_row_is_refused_with_exit_code_1() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let file = hub.write(
        "merchants.jsonl",
        &format!("{}\n{{bad\n", merchant_row("M1")),
    );

    // Act
    let output = run(hub
        .mhub(&key)
        .arg("upload")
        .arg(&file)
        .args(["--all-or-nothing", "--json"]));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("error: batch_rejected:"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_large_file_is_sent_in_batches_of_n_rows_with_file_line_numbers() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let text = valid_rows("M", 4) + "{bad\n";
    let file = hub.write("merchants.jsonl", &text);

    // Act
    let output =
        run(hub
            .mhub(&key)
            .arg("upload")
            .arg(&file)
            .args(["--rows-per-batch", "2", "--json"]));

    // Assert
    let results = json_lines(&output);
    let rows: Vec<i64> = results
        .iter()
        .map(|r| r["rows"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 2, 1]);
    assert_eq!(
        results[2]["errors"][0]["line"], 5,
        "line of the file, not of the batch"
    );
    assert!(
        !hub.dir
            .path()
            .join("merchants.jsonl.mhub-upload.json")
            .exists()
    );
}

#[test]
fn an_interrupted_split_upload_resumes_after_the_acknowledged_batches() {
    // Arrange: the second batch is refused (all-or-nothing), so the run stops
    // after the first, as an interruption would.
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let text = valid_rows("M", 2) + &merchant_row("M3") + "\n{bad\n" + &valid_rows("N", 2);
    let file = hub.write("merchants.jsonl", &text);
    let state = hub.dir.path().join("merchants.jsonl.mhub-upload.json");
    let interrupted = run(hub.mhub(&key).arg("upload").arg(&file).args([
        "--rows-per-batch",
        "2",
        "--all-or-nothing",
        "--json",
    ]));
    assert_eq!(interrupted.status.code(), Some(1));
    let stored = parse_lines(&interrupted);
    assert_eq!(stored.len(), 1, "the first batch was acknowledged");
    assert!(stderr(&interrupted).contains("running the same command again resumes"));
    assert!(state.exists());

    // Act
    let resumed = json_lines(&run(hub.mhub(&key).arg("upload").arg(&file).args([
        "--rows-per-batch",
        "2",
        "--json",
    ])));

    // Assert
    assert_eq!(resumed.len(), 3);
    assert_eq!(resumed[0]["batch_id"], stored[0]["batch_id"]);
    assert_eq!(
        resumed[0]["replayed"], true,
        "taken from the state, not re-sent"
    );
    assert_eq!(resumed[1]["replayed"], false);
    assert_eq!(resumed[1]["rejected"], 1);
    assert_eq!(resumed[1]["errors"][0]["line"], 4);
    assert!(
        !state.exists(),
        "the state is removed when every batch is done"
    );
}

#[test]
fn a_batch_folder_with_a_csv_pair_is_zipped_and_uploaded() {
    // Arrange
    let hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ02");
    let folder = hub.dir.path().join("ACQ02");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("merchants.csv"),
        "merchant_id,name,mcc,address,legal_rep_name,legal_rep_id_number,legal_rep_phone,account_number,account_name\n\
         M1,北京市老王烟酒商行,5411,北京市朝阳区建国路88号,王伟,11010519491231002X,13800138000,6217000000000000004,王伟\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("terminals.csv"),
        "merchant_id,terminal_id,sn\nM1,12345678,SN-N5A-0001\n",
    )
    .unwrap();

    // Act
    let results = json_lines(&run(hub
        .mhub(&key)
        .arg("upload")
        .arg(&folder)
        .arg("--json")));
    let merchant = json_lines(&run(hub.mhub(&key).args([
        "merchants",
        "show",
        "M1",
        "--json",
    ])));

    // Assert
    assert_eq!(results[0]["format"], "zip");
    assert_eq!(results[0]["accepted"], 1, "{:?}", results[0]);
    assert_eq!(merchant[0]["record"]["terminals"][0]["sn"], "N5A0001");
}
