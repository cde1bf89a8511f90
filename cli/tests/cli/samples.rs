//! `mhub samples generate` and `mhub demo`.

use std::path::Path;

use crate::helpers::{mhub, parse_lines, run, stderr, stdout};

fn generate(out: &Path) {
    let output = run(mhub()
        .args([
            "samples",
            "generate",
            "--merchants",
            "60",
            "--acquirers",
            "2",
            "--seed",
            "7",
            "--photos",
            "--invalid-rows",
            "2",
            "--json",
            "--out",
        ])
        .arg(out));
    assert!(output.status.success(), "{}", stderr(&output));
    let summary = &parse_lines(&output)[0];
    assert_eq!(summary["acquirers"].as_array().unwrap().len(), 2);
}

fn demo(data_dir: &Path, samples: &Path) -> std::process::Output {
    run(mhub()
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--no-serve",
            "--data-dir",
        ])
        .arg(data_dir)
        .arg("--samples")
        .arg(samples))
}

#[test]
fn the_demo_uploads_every_sample_acquirer_and_a_second_run_replays() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    let data = dir.path().join("data");
    generate(&samples);

    // Act
    let first = demo(&data, &samples);
    let second = demo(&data, &samples);

    // Assert
    assert!(first.status.success(), "{}", stderr(&first));
    let text = stdout(&first);
    for expected in [
        "keys created",
        "ACQ01",
        "ACQ02",
        "analyst",
        "mhub merchants show",
        "alerts",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(second.status.success(), "{}", stderr(&second));
    let replayed = stdout(&second)
        .lines()
        .filter(|l| l.contains("ACQ0") && l.contains(" yes "))
        .count();
    assert_eq!(replayed, 2, "{}", stdout(&second));
}

#[test]
fn the_demo_on_a_taken_port_says_so_and_fails() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    generate(&samples);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();

    // Act
    let output = run(mhub()
        .args(["demo", "--no-serve", "--listen"])
        .arg(taken.local_addr().unwrap().to_string())
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--samples")
        .arg(&samples));

    // Assert
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("already in use"),
        "{}",
        stderr(&output)
    );
}
