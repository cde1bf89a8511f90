//! docs/integration.md cannot drift from the hub (issue 7, item 4): every
//! fenced `bash` and `python` block of it runs, in order, in one working
//! directory, against a live hub with real keys in the environment; a block
//! that exits non-zero fails the test. `text` and `json` blocks are shown,
//! not run; a fence in any other language fails, so a block cannot be
//! skipped by a typo in its language. The `toml` blocks of
//! docs/operations.md are loaded as hub configuration files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{
    TestHub, approve_entries, json_lines, mhub, report_sample_blacklist, run, samples, stderr,
    stdout,
};

/// One fenced block of the page.
struct Block {
    /// The fence's language: bash, python, text or json.
    language: String,
    /// 1-based line of the opening fence, for messages.
    line: usize,
    /// The text between the fences.
    text: String,
}

/// The fenced blocks of a Markdown page, in order.
fn fenced_blocks(page: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in page.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(language)) => {
                open = Some(Block {
                    language: language.trim().to_owned(),
                    line: index + 1,
                    text: String::new(),
                })
            }
            (Some(_), Some("")) => blocks.extend(open.take()),
            (Some(block), _) => {
                block.text.push_str(line);
                block.text.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a fence is never closed");
    blocks
}

/// ACQ01's sample rows without their photo references (photos come only
/// in a zip): what an acquirer sends as a plain JSONL file. The planted
/// malformed rows stay as they are, so the batch has row errors to read.
fn jsonl_without_photos() -> String {
    let text = std::fs::read_to_string(samples().join("ACQ01/merchants.jsonl")).unwrap();
    text.lines()
        .map(
            |line| match serde_json::from_str::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(mut row)) => {
                    row.remove("photos");
                    serde_json::Value::Object(row).to_string() + "\n"
                }
                _ => format!("{line}\n"),
            },
        )
        .collect()
}

/// ACQ02's sample merchants.csv without its photos column: the CSV form
/// sent alone.
fn csv_without_photos(out: &Path) {
    let mut reader = csv::Reader::from_path(samples().join("ACQ02/merchants.csv")).unwrap();
    let header = reader.headers().unwrap().clone();
    let keep: Vec<usize> = (0..header.len())
        .filter(|&i| &header[i] != "photos")
        .collect();
    let mut writer = csv::Writer::from_path(out).unwrap();
    writer
        .write_record(keep.iter().map(|&i| &header[i]))
        .unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        writer
            .write_record(keep.iter().map(|&i| &record[i]))
            .unwrap();
    }
    writer.flush().unwrap();
}

/// The folder holding the `mhub` binary under test, for the blocks' PATH.
fn mhub_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_mhub"))
        .parent()
        .unwrap()
        .to_owned()
}

#[test]
fn every_bash_and_python_example_of_the_integration_guide_runs_against_a_live_hub() {
    // Arrange: a hub with an acquirer, a subscriber and an active blacklist
    // (so screens, alerts and the feed have something to show).
    let hub = TestHub::spawn();
    let acquirer = hub.acquirer_key("ACQ01");
    let subscriber = hub.subscriber_key();
    let (reporter, reviewer) = (hub.analyst_key(), hub.analyst_key());
    let reported = report_sample_blacklist(&hub, &reporter);
    approve_entries(&hub, &reviewer, &reported);

    let work = hub.dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let jsonl = hub.write("merchants.jsonl", &jsonl_without_photos());
    let csv = hub.dir.path().join("merchants.csv");
    csv_without_photos(&csv);

    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/integration.md");
    let page = std::fs::read_to_string(&page_path).unwrap();
    let blocks = fenced_blocks(&page);
    let path = format!(
        "{}:{}",
        mhub_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    // Act and assert: each block, in order.
    let (mut bash, mut python) = (0, 0);
    for (index, block) in blocks.iter().enumerate() {
        let (program, flags, extension): (&str, &[&str], &str) = match block.language.as_str() {
            "bash" => ("bash", &["-euo", "pipefail"], "sh"),
            "python" => ("python3", &[], "py"),
            "text" | "json" => continue,
            other => panic!(
                "docs/integration.md:{}: a ```{other} block: mark it bash or python to run it, \
                 text or json to show it",
                block.line
            ),
        };
        let file = work.join(format!("block-{index:02}.{extension}"));
        std::fs::write(&file, &block.text).unwrap();
        let mut command = Command::new(program);
        for name in ["MHUB_URL", "MHUB_KEY", "MHUB_PURPOSE", "MHUB_CONFIG"] {
            command.env_remove(name);
        }
        let output = command
            .args(flags)
            .arg(&file)
            .current_dir(&work)
            .env("PATH", &path)
            .env("MHUB_URL", &hub.server.url)
            .env("MHUB_KEY", &acquirer)
            .env("MHUB_SUBSCRIBER_KEY", &subscriber)
            .env("MHUB_BATCH_JSONL", &jsonl)
            .env("MHUB_BATCH_CSV", &csv)
            .env("MHUB_BATCH_DIR", samples().join("ACQ02"))
            .output()
            .unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert!(
            output.status.success(),
            "docs/integration.md:{}: the {} block failed ({}):\n{}\nstdout:\n{}\nstderr:\n{}",
            block.line,
            block.language,
            output.status,
            block.text,
            stdout(&output),
            stderr(&output)
        );
        eprintln!(
            "docs/integration.md:{} ({}):\n{}",
            block.line,
            block.language,
            stdout(&output)
        );
        match program {
            "bash" => bash += 1,
            _ => python += 1,
        }
    }
    assert!(
        bash >= 10 && python >= 2,
        "{bash} bash and {python} python blocks"
    );

    // The blocks did what they say: curl's JSONL, CSV and zip batches and
    // the Python client's zip (other bytes than curl's zip, so a batch of
    // its own) are stored; the replay and the Python client's JSONL resend
    // add none; the mirror pulled holds every approved entry.
    let batches = json_lines(&run(hub
        .mhub(&acquirer)
        .args(["batches", "list", "--json"])));
    let formats: Vec<&str> = batches
        .iter()
        .map(|b| b["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats.len(), 4, "{formats:?}");
    for format in ["jsonl", "csv", "zip"] {
        assert!(formats.contains(&format), "{formats:?}");
    }
    let verified = json_lines(&run(mhub()
        .args(["feed", "verify", "--json", "--mirror"])
        .arg(work.join("blacklist.mirror"))));
    assert_eq!(verified[0]["events"], reported.len(), "{verified:?}");
}

#[test]
fn every_configuration_example_of_the_operations_guide_loads() {
    let page_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/operations.md");
    let page = std::fs::read_to_string(&page_path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut loaded = 0;
    for block in fenced_blocks(&page) {
        if block.language != "toml" {
            continue;
        }
        let file = dir.path().join(format!("line-{}.toml", block.line));
        std::fs::write(&file, &block.text).unwrap();
        if let Err(error) = hub::Settings::load(Some(&file), hub::Overrides::default()) {
            panic!(
                "docs/operations.md:{}: {error:#}\n{}",
                block.line, block.text
            );
        }
        loaded += 1;
    }
    assert!(loaded >= 2, "{loaded} toml blocks");
}
