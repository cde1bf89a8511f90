//! Integration tests: the real hub on a random port, driven over HTTP,
//! on SQLite and on PostgreSQL. One module per resource.

mod helpers;
mod routes;

mod alerts;
mod audit;
mod batches;
mod blacklist;
mod feed;
mod health;
mod isolation;
mod keys;
mod merchants;
mod metrics;
mod openapi;
mod rebuild;
mod request_id;
mod screening;
mod security;
mod verification;
