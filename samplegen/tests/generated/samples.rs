//! The committed `samples/` directory is exactly what the generator writes
//! for its documented options, and holds every case type.

use std::path::PathBuf;

use samplegen::Options;

use crate::helpers::{load, problems, scratch};

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

fn sample_options() -> Options {
    Options {
        photos: true,
        ..Options::default()
    }
}

#[test]
fn committed_samples_hold_every_case_type_and_validate() {
    let data = load(&committed());
    assert_eq!(data.truth.generated.merchants, 240);
    let types: std::collections::BTreeSet<&str> = data
        .truth
        .cases
        .iter()
        .map(|c| c.case_type.as_str())
        .collect();
    assert_eq!(types.len(), 8, "{types:?}");
    for r in &data.rows {
        let expected = data
            .truth
            .invalid_rows
            .iter()
            .find(|i| i.acquirer == r.acquirer && i.line == r.line);
        // Photos: present here; decoding is what the byte comparison and the
        // photo data set cover.
        let found = problems(&data.dir, r, false);
        let want: Vec<(Option<String>, String)> = expected
            .filter(|i| i.code != "photo_undecodable")
            .map(|i| (i.field.clone(), i.code.clone()))
            .into_iter()
            .collect();
        assert_eq!(found, want, "{} line {}", r.acquirer, r.line);
    }
}

/// Regenerating writes the same bytes: the samples are not stale. Slow in a
/// debug build (it draws every photo again).
#[test]
fn committed_samples_are_what_the_generator_writes() {
    let dir = scratch("samples");
    samplegen::generate(&sample_options(), &dir).unwrap();
    let committed = committed();
    let mut stack = vec![dir.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(&dir).unwrap();
            let old = std::fs::read(committed.join(rel)).unwrap_or_else(|_| {
                panic!(
                    "samples/{} is missing: regenerate the samples",
                    rel.display()
                )
            });
            assert!(
                old == std::fs::read(&path).unwrap(),
                "samples/{} is stale: regenerate the samples",
                rel.display()
            );
            files += 1;
        }
    }
    assert!(files > 100);
    std::fs::remove_dir_all(&dir).unwrap();
}
