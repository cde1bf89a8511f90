//! feed: the signed blacklist feed of mhub (SPEC §8), shared by the hub that
//! writes it and every member that mirrors it — one protocol module for
//! server and client, so they cannot drift apart.
//!
//! The feed is an append-only log of blacklist changes. Each event carries a
//! [`Payload`] (the entry as it now stands: tokens and masked forms only,
//! never a raw identity, phone or account number) and is sealed into the
//! chain:
//!
//! ```text
//! hash_n      = SHA-256(hash_{n-1} ‖ canonical(payload_n))      hash_0 = 32 zero bytes
//! signature_n = Ed25519(association key, "mhub-feed-v1" ‖ hash_n)
//! ```
//!
//! Components:
//! - [`canonical`]: the one byte form of a payload that is hashed (sorted
//!   keys, no whitespace, integers only: RFC 8785 for the values we send);
//! - [`event`]: the wire types ([`SignedEvent`], [`Payload`],
//!   [`EntrySnapshot`], [`FeedHead`], [`FeedKey`]);
//! - [`chain`]: [`seal`] for the hub and [`verify_next`] for mirrors, with
//!   a typed [`FeedError`] for every way a feed can be wrong (gap, fork,
//!   tampered payload, bad signature);
//! - [`replica`]: [`Replica`] replays verified payloads into the active
//!   entries and a [`matcher::Screener`] over them. The hub screens with
//!   one, a member's offline mirror with another, built by the same code
//!   from the same events, so online and offline screening agree.

pub mod canonical;
pub mod chain;
pub mod event;
pub mod replica;

pub use chain::{FeedError, GENESIS_HASH, SIGNATURE_DOMAIN, key_id, seal, verify_next};
pub use event::{Action, EntrySnapshot, EntryStatus, FeedHead, FeedKey, Payload, SignedEvent};
pub use replica::Replica;
