//! `mhub bench`: SPEC §12's performance figures, measured here only for
//! shape and sanity (benchmarks are never timed tests).

use crate::helpers::{json_lines, mhub, run};

#[test]
fn a_small_bench_reports_throughput_latencies_and_memory() {
    // Arrange
    let mut command = mhub();
    command.args([
        "bench",
        "--merchants",
        "2000",
        "--acquirers",
        "3",
        "--batch",
        "200",
        "--searches",
        "20",
        "--entries",
        "40",
        "--screens",
        "30",
        "--json",
    ]);

    // Act
    let output = run(&mut command);

    // Assert
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let report = &lines[0];
    let positive = |pointer: &str| {
        let value = report.pointer(pointer).and_then(|v| v.as_f64());
        assert!(value.is_some_and(|v| v > 0.0), "{pointer} in {report}");
    };
    assert_eq!(report["database"], "sqlite");
    assert_eq!(report["ingest"]["accepted"], 2000, "{report}");
    assert_eq!(report["ingest"]["acquirers"].as_array().unwrap().len(), 3);
    // The extra batch comes from a new acquirer, onto everything stored.
    assert_eq!(report["batch"]["acquirers"], serde_json::json!(["ACQ04"]));
    assert_eq!(report["batch"]["stored_before"], 2000);
    assert_eq!(report["batch"]["rejected"], 0);
    for pointer in [
        "/cores",
        "/ingest/seconds",
        "/ingest/merchants_per_second",
        "/batch/accepted",
        "/batch/merchants_per_second",
        "/rebuild/seconds",
        "/search/answered",
        "/search/latency/p50_ms",
        "/search/latency/p95_ms",
        "/search/latency/p99_ms",
        "/search/latency/max_ms",
        "/peak_memory_bytes",
        "/blacklist/approve_seconds",
        "/blacklist/single/latency/p99_ms",
        "/blacklist/batch/records_per_second",
        "/blacklist/feed/pull_seconds",
        "/blacklist/feed/verify_seconds",
    ] {
        positive(pointer);
    }
    let stored = report["ingest"]["accepted"].as_u64().unwrap()
        + report["batch"]["accepted"].as_u64().unwrap();
    assert_eq!(report["rebuild"]["merchants"], stored, "{report}");
    assert_eq!(report["search"]["requests"], 20);
    // Every entry lists a stored merchant's identifier: approving it finds one.
    let blacklist = &report["blacklist"];
    assert_eq!(blacklist["entries"], 40, "{report}");
    assert!(
        blacklist["retro_merchant_hits"].as_u64().unwrap() >= 40,
        "{report}"
    );
    assert_eq!(blacklist["single"]["requests"], 30);
    assert_eq!(blacklist["batch"]["records"], 30);
    assert_eq!(
        blacklist["feed"]["events"], 40,
        "one add event per approval"
    );
}
