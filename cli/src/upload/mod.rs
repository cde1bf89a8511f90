//! Uploading batches: what `mhub upload` and `mhub demo` share.
//!
//! [`Plan`] decides from PATH what to send ([`plan`]); [`Uploader`] sends
//! it: a file as it is, a folder zipped deterministically ([`archive`]), a
//! large JSONL file cut into deterministic chunks ([`chunks`]) with a
//! resume state between runs ([`resume`]).

mod archive;
mod chunks;
mod plan;
mod resume;
mod uploader;

pub use plan::{Plan, Source};
pub use uploader::Uploader;
