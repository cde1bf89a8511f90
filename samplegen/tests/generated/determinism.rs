//! Same options → byte-identical output; different seeds → different output.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use samplegen::Options;

use crate::helpers::scratch;

/// Every file under `dir`, relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn run(name: &str, options: &Options) -> BTreeMap<String, Vec<u8>> {
    let dir = scratch(name);
    samplegen::generate(options, &dir).unwrap();
    let files = snapshot(&dir);
    fs::remove_dir_all(&dir).unwrap();
    files
}

#[test]
fn the_same_options_write_byte_identical_files() {
    let options = Options {
        merchants: 400,
        acquirers: 4,
        seed: 3,
        photos: false,
        invalid_rows: 20,
        blacklist_decoys: None,
    };
    let a = run("det-a", &options);
    let b = run("det-b", &options);
    assert!(a.len() >= 10);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs");
    }
}

#[test]
fn photos_are_deterministic_too() {
    let options = Options {
        merchants: 12,
        acquirers: 2,
        seed: 5,
        photos: true,
        invalid_rows: 0,
        blacklist_decoys: None,
    };
    let a = run("det-photo-a", &options);
    let b = run("det-photo-b", &options);
    assert!(a.keys().any(|k| k.ends_with(".jpg")));
    assert_eq!(a, b);
}

#[test]
fn a_different_seed_gives_different_data() {
    let options = Options {
        merchants: 200,
        seed: 1,
        ..Options::default()
    };
    let a = run("seed-a", &options);
    let b = run("seed-b", &Options { seed: 2, ..options });
    assert_ne!(a["ACQ01/merchants.jsonl"], b["ACQ01/merchants.jsonl"]);
    assert_ne!(a["truth.json"], b["truth.json"]);
}

#[test]
fn bad_options_are_refused() {
    let dir = scratch("bad-options");
    let err = samplegen::generate(
        &Options {
            acquirers: 0,
            ..Options::default()
        },
        &dir,
    )
    .unwrap_err();
    assert!(matches!(err, samplegen::Error::Options(_)));
    let err = samplegen::generate(
        &Options {
            merchants: 0,
            ..Options::default()
        },
        &dir,
    )
    .unwrap_err();
    assert!(matches!(err, samplegen::Error::Options(_)));
    fs::remove_dir_all(&dir).unwrap();
}
