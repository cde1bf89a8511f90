//! samplegen's integration tests: one binary, a module per concern.
//!
//! - `determinism`: same options, same bytes; another seed, other bytes.
//! - `validity`: every row passes matcher's checks except the invalid rows,
//!   which fail exactly as the truth says.
//! - `truth`: every planted case is present and really tied by the evidence
//!   its type names, and no identifier is shared that the truth does not list.
//! - `photos`: photos decode, differ, and near-duplicates are near.
//! - `samples`: the committed `samples/` is what the generator writes.

mod determinism;
mod helpers;
mod photos;
mod samples;
mod truth;
mod validity;
