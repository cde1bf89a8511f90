//! Replays the fuzz corpus and every past finding on stable.
//!
//! Each file in `fuzz/corpus/<target>/` (the committed seeds) and
//! `fuzz/regressions/<target>/` (inputs that once crashed a target, kept
//! after the fix) goes through the same body the fuzzer runs, so a finding
//! stays fixed and the seeds keep working without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files under `fuzz/<kind>/<target>/`, for every target.
fn inputs(kind: &str) -> Vec<(&'static str, fuzz_targets::Target, PathBuf)> {
    let mut found = Vec::new();
    for &(name, body) in fuzz_targets::TARGETS {
        let dir = fuzz_dir().join(kind).join(name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|entry| entry.expect("readable corpus directory").path())
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        found.extend(paths.into_iter().map(|path| (name, body, path)));
    }
    found
}

fn replay(kind: &str) -> usize {
    let inputs = inputs(kind);
    for (name, body, path) in &inputs {
        let data = std::fs::read(path).expect("readable corpus file");
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{name} panics on {}", path.display());
    }
    inputs.len()
}

#[test]
fn every_seed_of_every_target_runs_without_a_panic() {
    let seeds = replay("corpus");
    assert!(seeds > 0, "no seeds found under fuzz/corpus/");
    for &(name, _) in fuzz_targets::TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        let count = std::fs::read_dir(&dir).map_or(0, |d| d.count());
        assert!(count > 0, "{name} has no seed corpus in {}", dir.display());
    }
}

#[test]
fn every_past_finding_stays_fixed() {
    replay("regressions");
}
