//! hub: the mhub service.
//!
//! Components, in the order a request meets them:
//! - [`startup`]: [`App::build`] prepares the data directory, secrets and
//!   store, binds the listener; [`App::run_until_stopped`] serves;
//! - [`api`]: thin warp handlers and the single error-to-HTTP mapping;
//! - domain modules: [`auth`] (keys, roles, principals), [`ingest`] (batch
//!   upload → validated, tokenised merchant versions), [`linking`] (fuzzy
//!   links between merchants through the candidate index), [`alerts`] (cases
//!   found across acquirers, raised as batches arrive);
//! - [`store`]: every SQL statement, one code path for SQLite and PostgreSQL;
//! - beside them: [`metrics`] (the registry `GET /metrics` encodes, counted
//!   into by the domain modules) and [`request_id`] (the id every request's
//!   log lines, answer header and error body carry).
//!
//! Key design choice: raw payment-sensitive values never get past
//! [`ingest`]'s validator; everything after it, the store included, sees only
//! tokens and masked forms (SPEC §4).

pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod blacklist;
pub mod clock;
pub mod config;
pub mod data_dir;
pub mod digest;
pub mod ingest;
pub mod linking;
pub mod metrics;
pub mod request_id;
pub mod screening;
pub mod search;
pub mod serve;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod token_rotation;
pub mod verify;

pub use config::{BlacklistPolicy, Limits, LogFormat, Overrides, Settings};
pub use startup::{App, AppState};
