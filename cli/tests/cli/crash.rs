//! kill -9 of the server in the middle of a large upload loses no batch that
//! was acknowledged, and the server starts cleanly afterwards (a batch is one
//! transaction: committed whole or not at all).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::helpers::{Server, TestHub, json_lines, merchant_row, parse_lines, run, valid_rows};

/// Rows in the upload that gets interrupted.
const LARGE: usize = 100_000;

#[test]
fn kill_9_during_a_large_upload_keeps_acknowledged_batches_and_no_partial_one() {
    // Arrange: one acknowledged batch, and a large file.
    let mut hub = TestHub::spawn();
    let key = hub.acquirer_key("ACQ01");
    let small = hub.write("small.jsonl", &(merchant_row("SMALL1") + "\n"));
    let acknowledged = json_lines(&run(hub.mhub(&key).arg("upload").arg(&small).arg("--json")));
    let acknowledged_id = acknowledged[0]["batch_id"].as_i64().unwrap();
    let large = hub.write("large.jsonl", &valid_rows("BIG", LARGE));

    // Act: upload it as one batch with `mhub upload`; once the hub has the
    // whole body in its spool it is ingesting, inside the batch's write
    // transaction: kill it then.
    let upload = hub
        .mhub(&key)
        .arg("upload")
        .arg(&large)
        .args(["--rows-per-batch", "1000000", "--json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let size = std::fs::metadata(&large).unwrap().len();
    wait_for_spooled(&hub.data_dir().join("spool"), size);
    std::thread::sleep(Duration::from_millis(300));
    hub.server.kill9();
    let interrupted = upload.wait_with_output().unwrap();
    let server = Server::start(&hub.data_dir());

    // Assert: the hub is healthy again ...
    let (status, body) = server.get("/healthz");
    assert_eq!(status, 200, "{body}");
    let mhub = |args: &[&str]| {
        let mut command = crate::helpers::mhub();
        command
            .env("MHUB_URL", &server.url)
            .env("MHUB_KEY", &key)
            .env("MHUB_PURPOSE", "investigation")
            .args(args);
        run(&mut command)
    };
    // ... the acknowledged batch and its merchant are intact ...
    let batch = json_lines(&mhub(&[
        "batches",
        "show",
        &acknowledged_id.to_string(),
        "--json",
    ]));
    assert_eq!(batch[0]["accepted"], 1);
    let merchant = json_lines(&mhub(&["merchants", "show", "SMALL1", "--json"]));
    assert_eq!(merchant[0]["batch_id"], acknowledged_id);
    // ... and the interrupted batch is there whole, or not at all.
    let batches = json_lines(&mhub(&["batches", "list", "--json"]));
    let large_batches: Vec<_> = batches
        .iter()
        .filter(|b| b["batch_id"] != acknowledged_id)
        .collect();
    let first = mhub(&["merchants", "show", "BIG000001", "--json"]);
    let last = mhub(&["merchants", "show", &format!("BIG{LARGE:06}"), "--json"]);
    match large_batches.as_slice() {
        [] => {
            assert!(
                !interrupted.status.success(),
                "an upload without a batch cannot have succeeded"
            );
            assert!(
                !first.status.success() && !last.status.success(),
                "no row of it may exist"
            );
        }
        [batch] => {
            // Committed just before the kill: whole.
            assert_eq!(batch["rows"], LARGE);
            assert_eq!(batch["accepted"], LARGE);
            assert!(first.status.success() && last.status.success());
        }
        more => panic!("one upload made several batches: {more:?}"),
    }
    if interrupted.status.success() {
        let result = &parse_lines(&interrupted)[0];
        assert_eq!(
            large_batches.len(),
            1,
            "an acknowledged batch was lost: {result}"
        );
    }

    // And it takes new batches.
    let after = hub.write("after.jsonl", &(merchant_row("AFTER1") + "\n"));
    let stored = json_lines(&mhub(&["upload", after.to_str().unwrap(), "--json"]));
    assert_eq!(stored[0]["accepted"], 1);
}

/// Wait until a spooled upload in `spool` holds `size` bytes.
fn wait_for_spooled(spool: &Path, size: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let spooled = std::fs::read_dir(spool)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| entry.metadata().is_ok_and(|m| m.len() >= size));
        if spooled {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the upload never reached the hub's spool");
}
