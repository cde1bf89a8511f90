//! fuzz-targets: the bodies of mhub's fuzz targets (`fuzz/fuzz_targets/`).
//!
//! Each target is one function from bytes to nothing that panics when the
//! code under test panics or breaks a property it promises. They drive the
//! real upload path of the hub without a database:
//! - [`batch_jsonl`], [`batch_csv`], [`batch_zip`]: the bytes are spooled to
//!   a file and read by [`hub::ingest::read_rows`] (open, parse, validate,
//!   tokenise, fetch and check photos) with the default [`hub::Limits`];
//!   the JSONL and CSV targets also check that no row error and no masked
//!   form quotes a raw identity, phone or account number (SPEC §4);
//! - [`normalise`]: every normaliser and identifier parser in `matcher` on
//!   one string, with the idempotence and round-trip properties they
//!   document;
//! - [`photo`]: [`hub::ingest::inspect_photo`] (decode under limits, size and
//!   blank checks, fingerprint, EXIF).
//!
//! Key design choice: the bodies live here, in a workspace crate, and the
//! libFuzzer harnesses in `fuzz/` are one line each. So the corpus and every
//! past finding (`fuzz/corpus/`, `fuzz/regressions/`) are replayed on stable
//! by `tests/corpus.rs` under `cargo nextest run --workspace`, through
//! exactly the code the fuzzer ran. See docs/fuzzing.md.

mod batch;
mod normalise;
mod photo;
mod zip_input;

pub use batch::{batch_csv, batch_jsonl, batch_zip};
pub use normalise::normalise;
pub use photo::photo;

/// A target body: panics on a finding.
pub type Target = fn(&[u8]);

/// Every target by its name in `fuzz/Cargo.toml`, `fuzz/corpus/<name>/` and
/// `fuzz/regressions/<name>/`.
pub const TARGETS: &[(&str, Target)] = &[
    ("batch_jsonl", batch_jsonl),
    ("batch_csv", batch_csv),
    ("batch_zip", batch_zip),
    ("normalise", normalise),
    ("photo", photo),
];
