//! `mhub feed pull | verify | screen`: a member's mirror of the signed
//! blacklist feed, and screening against it offline (SPEC §8).
//!
//! `pull` trusts the hub for nothing but availability: every event is
//! verified against the mirror's own chain and the pinned key before it is
//! stored (see [`crate::mirror`]). What it does on trouble depends on whose
//! fault it can be:
//! - a *refusal* — an event that does not verify, a changed key, a hub
//!   behind the mirror or a forked head — means the hub (or something
//!   between) is lying: the whole run is undone, so the mirror stays the
//!   last history this member verified, and the code says which check failed;
//! - an *interruption* — network error, hub error, Ctrl-C, a killed process —
//!   is nobody's lie: every page committed so far stays, and the next pull
//!   resumes after it.

use std::path::Path;

use anyhow::{Context as _, bail};
use comfy_table::Cell;
use ed25519_dalek::VerifyingKey;
use feed::{FeedError, FeedHead, SignedEvent};
use matcher::TokenKey;
use reqwest::{StatusCode, Url};
use secrecy::ExposeSecret as _;
use serde::Serialize;

use super::Context;
use crate::args::{FeedCommand, FeedMirrorArgs, FeedPullArgs, FeedScreenArgs};
use crate::client::{ApiError, Client};
use crate::mirror::{Checkpoint, Mirror, MirrorError, parse_public_key};
use crate::output::{self, number};

/// Run one `feed` subcommand.
pub async fn run(command: FeedCommand, context: &Context) -> anyhow::Result<()> {
    match command {
        FeedCommand::Pull(args) => pull(PullPlan::new(args, context)?, context.json).await,
        FeedCommand::Verify(args) => verify(args, context.json).await,
        FeedCommand::Screen(args) => screen(args, context.json).await,
    }
}

// ---------------------------------------------------------------- pull

/// A validated `feed pull`.
struct PullPlan {
    /// The hub, with the key.
    client: Client,
    /// The mirror file.
    mirror: std::path::PathBuf,
    /// The key id the member expects, lower-case.
    key_id: Option<String>,
    /// Events per request.
    page: u64,
}

impl PullPlan {
    fn new(args: FeedPullArgs, context: &Context) -> anyhow::Result<PullPlan> {
        let url = args.hub.unwrap_or_else(|| context.url.clone());
        check_hub_url(&url)?;
        let key_id = args.key_id.map(|id| id.trim().to_ascii_lowercase());
        if let Some(id) = &key_id
            && (id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            bail!("--key-id must be 16 hex digits (the key_id of GET /v1/feed/key), not {id:?}");
        }
        let key = context.key.clone().context(
            "no API key: pass --key or set MHUB_KEY (a subscriber key can also fetch the token key)",
        )?;
        Ok(PullPlan {
            client: Client::new(url, key)?,
            mirror: args.mirror.mirror,
            key_id,
            page: args.page,
        })
    }
}

fn check_hub_url(url: &Url) -> anyhow::Result<()> {
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        bail!("--hub must be an http:// or https:// URL, not {url}");
    }
    Ok(())
}

/// Why a pull stopped.
#[derive(Debug, thiserror::Error)]
enum PullError {
    /// An event did not verify.
    #[error("{0} ({code})", code = .0.code())]
    Refused(FeedError),
    /// The hub serves a key other than the pinned one.
    #[error(
        "the hub's feed key changed: the mirror pinned key {pinned}, the hub now serves {served} (feed_key_changed). \
         If the association announced a new key, check its id out of band and pull into a new mirror"
    )]
    KeyChanged { pinned: String, served: String },
    /// The hub serves a key other than the one --key-id names.
    #[error("the hub's feed key is {served}, not {expected} as --key-id says (feed_key_mismatch)")]
    KeyMismatch { expected: String, served: String },
    /// The hub's feed is shorter than the mirror.
    #[error(
        "the hub's feed ends at event {hub} but the mirror already holds event {mirror}: \
         the hub lost or rewrote history (feed_rewound)"
    )]
    Rewound { hub: u64, mirror: u64 },
    /// The hub's head names another event than the one at that seq.
    #[error(
        "the hub's event {seq} is not the event {seq} the mirror verified: its history forked (feed_fork)"
    )]
    HeadForked { seq: u64 },
    /// The hub's head promises events it did not serve.
    #[error("the hub's head is event {head} but it served events only up to {served} (feed_gap)")]
    Short { head: u64, served: u64 },
    /// Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// The network, the hub or the mirror failed: nothing to undo.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl PullError {
    /// A refusal undoes the run; anything else keeps committed pages.
    fn is_refusal(&self) -> bool {
        !matches!(self, PullError::Interrupted | PullError::Other(_))
    }
}

impl From<MirrorError> for PullError {
    fn from(error: MirrorError) -> PullError {
        match error {
            MirrorError::Refused(feed) => PullError::Refused(feed),
            other => PullError::Other(other.into()),
        }
    }
}

/// What `feed pull` prints.
#[derive(Debug, Serialize)]
struct PullSummary {
    /// Events stored by this run.
    pulled: u64,
    /// The mirror's head now.
    head: FeedHead,
    /// Active entries after replaying the whole mirror.
    active_entries: usize,
    /// The pinned key's id.
    key_id: String,
    /// Whether the mirror holds a token key (`feed screen` needs one).
    token_key: bool,
}

async fn pull(plan: PullPlan, json: bool) -> anyhow::Result<()> {
    let (mirror, created) = Mirror::open_or_create(&plan.mirror).await?;
    let checkpoint = mirror.checkpoint().await?;
    let outcome = tokio::select! {
        outcome = pull_into(&plan, &mirror, &checkpoint.head, json) => outcome,
        _ = tokio::signal::ctrl_c() => Err(PullError::Interrupted),
    };
    match outcome {
        Ok((pulled, key_id)) => {
            let summary = summarise(&mirror, pulled, key_id).await;
            mirror.close().await;
            print_pull(&summary?, json)
        }
        Err(error) => Err(settle(mirror, created, &checkpoint, error).await),
    }
}

/// After a failed pull: undo a refused run, keep an interrupted one's
/// pages; the error to report, saying what the mirror holds now.
async fn settle(
    mirror: Mirror,
    created: bool,
    checkpoint: &Checkpoint,
    error: PullError,
) -> anyhow::Error {
    let head = mirror.head().await.ok();
    let nothing_kept = head.as_ref().is_none_or(|h| h.seq == checkpoint.head.seq);
    if created && (error.is_refusal() || nothing_kept) {
        // This run made the file: leave no file behind, as before it.
        return match mirror.discard().await {
            Ok(()) => anyhow::Error::new(error).context("pull refused; no mirror was created"),
            Err(io) => anyhow::Error::new(error).context(format!(
                "pull refused, and removing the new mirror failed: {io}"
            )),
        };
    }
    if error.is_refusal() {
        let restored = mirror.restore(checkpoint).await;
        mirror.close().await;
        return match restored {
            Ok(()) => anyhow::Error::new(error).context(format!(
                "pull refused; the mirror is unchanged (still at event {})",
                checkpoint.head.seq
            )),
            Err(undo) => anyhow::Error::new(error).context(format!(
                "pull refused, and undoing this run failed ({undo:#}): run `mhub feed verify`"
            )),
        };
    }
    mirror.close().await;
    let seq = head.map_or(checkpoint.head.seq, |h| h.seq);
    let kept = seq - checkpoint.head.seq;
    anyhow::Error::new(error).context(format!(
        "pull stopped after storing {kept} new events (the mirror is at event {seq}); \
         run it again to resume"
    ))
}

/// Check the key, the head and the token key, then page through the new
/// events; the number stored and the pinned key id.
async fn pull_into(
    plan: &PullPlan,
    mirror: &Mirror,
    start: &FeedHead,
    json: bool,
) -> Result<(u64, String), PullError> {
    let key = pin_key(plan, mirror).await?;
    let hub_head = plan.client.feed_head().await?;
    check_head(start, &hub_head)?;
    fetch_token_key(&plan.client, mirror).await?;
    mirror.set_hub_url(plan.client.base().as_str()).await?;

    let bar = output::progress(hub_head.seq.saturating_sub(start.seq), "events", json);
    bar.set_message("pulling");
    let mut head = start.clone();
    loop {
        let events = fetch_page(&plan.client, &head, plan.page).await?;
        if events.is_empty() {
            break;
        }
        head = mirror.append(&head, &events, &key).await?;
        bar.inc(events.len() as u64);
        if (events.len() as u64) < plan.page {
            break;
        }
    }
    bar.finish_and_clear();
    check_reached(&head, &hub_head)?;
    Ok((head.seq - start.seq, feed::key_id(&key)))
}

/// The hub's key, checked against `--key-id` and the mirror's pin, and
/// pinned on the first pull.
async fn pin_key(plan: &PullPlan, mirror: &Mirror) -> Result<VerifyingKey, PullError> {
    let served = plan.client.feed_key().await?;
    if served.algorithm != "ed25519" {
        return Err(anyhow::anyhow!(
            "the hub's feed key is {}, not ed25519: this mhub cannot verify it",
            served.algorithm
        )
        .into());
    }
    let key = parse_public_key(&served.public_key)
        .map_err(|reason| anyhow::anyhow!("the hub's feed key is unusable: {reason}"))?;
    // The id is derived from the key itself, never taken from the answer.
    let served_id = feed::key_id(&key);
    if let Some(expected) = &plan.key_id
        && *expected != served_id
    {
        return Err(PullError::KeyMismatch {
            expected: expected.clone(),
            served: served_id,
        });
    }
    match mirror.pinned_key().await? {
        Some(pinned) if pinned != key => Err(PullError::KeyChanged {
            pinned: feed::key_id(&pinned),
            served: served_id,
        }),
        Some(_) => Ok(key),
        None => {
            mirror.pin_key(&key).await?;
            Ok(key)
        }
    }
}

/// A hub behind the mirror, or at the same seq with another hash, has a
/// different history (a hub ahead is checked event by event).
fn check_head(mirror_head: &FeedHead, hub_head: &FeedHead) -> Result<(), PullError> {
    if hub_head.seq < mirror_head.seq {
        return Err(PullError::Rewound {
            hub: hub_head.seq,
            mirror: mirror_head.seq,
        });
    }
    if hub_head.seq == mirror_head.seq && !hub_head.hash.eq_ignore_ascii_case(&mirror_head.hash) {
        return Err(PullError::HeadForked { seq: hub_head.seq });
    }
    Ok(())
}

/// After paging: the events served must reach the head the hub announced,
/// and the event at that seq must be the one it announced.
fn check_reached(head: &FeedHead, hub_head: &FeedHead) -> Result<(), PullError> {
    if head.seq < hub_head.seq {
        return Err(PullError::Short {
            head: hub_head.seq,
            served: head.seq,
        });
    }
    if head.seq == hub_head.seq && !head.hash.eq_ignore_ascii_case(&hub_head.hash) {
        return Err(PullError::HeadForked { seq: head.seq });
    }
    Ok(())
}

/// Fetch and store the token key; a key whose role may not read it gets a
/// note, and the mirror keeps any token key it already had.
async fn fetch_token_key(client: &Client, mirror: &Mirror) -> Result<(), PullError> {
    match client.feed_token_key().await {
        Ok(answer) => {
            let key = TokenKey::from_hex(answer.token_key.expose_secret())
                .map_err(|e| anyhow::anyhow!("the hub's token key is unusable: {e}"))?;
            mirror.set_token_key(&key).await?;
            Ok(())
        }
        Err(error) => match error.downcast_ref::<ApiError>() {
            Some(refusal) if refusal.status == StatusCode::FORBIDDEN => {
                eprintln!(
                    "note: this API key may not read the token key (subscriber and admin keys may): \
                     the feed is mirrored, but `mhub feed screen` needs the token key — pull once \
                     with a subscriber key"
                );
                Ok(())
            }
            _ => Err(error.context("fetching the token key").into()),
        },
    }
}

/// One page of events after `head`; a line that is not an event is
/// malformed, named by the seq it stands in for.
async fn fetch_page(
    client: &Client,
    head: &FeedHead,
    limit: u64,
) -> Result<Vec<SignedEvent>, PullError> {
    let lines = client.feed_events(head.seq, limit).await?;
    lines
        .into_iter()
        .zip(head.seq + 1..)
        .map(|(line, seq)| {
            line.map_err(|error| {
                PullError::Refused(FeedError::Malformed {
                    seq,
                    reason: format!("not a feed event: {error}"),
                })
            })
        })
        .collect()
}

async fn summarise(mirror: &Mirror, pulled: u64, key_id: String) -> anyhow::Result<PullSummary> {
    let replayed = mirror
        .replay()
        .await
        .context("re-verifying the mirror after the pull")?;
    Ok(PullSummary {
        pulled,
        head: replayed.head,
        active_entries: replayed.replica.active(),
        key_id,
        token_key: mirror.token_key().await?.is_some(),
    })
}

fn print_pull(summary: &PullSummary, json: bool) -> anyhow::Result<()> {
    if json {
        return output::json_line(summary);
    }
    let mut table = output::table(["field", "value"]);
    table.add_row(vec![Cell::new("pulled"), number(summary.pulled)]);
    table.add_row(vec![Cell::new("head seq"), number(summary.head.seq)]);
    table.add_row(vec!["head hash", summary.head.hash.as_str()]);
    table.add_row(vec![
        Cell::new("active entries"),
        number(summary.active_entries),
    ]);
    table.add_row(vec!["key id", summary.key_id.as_str()]);
    table.add_row(vec![
        "token key",
        if summary.token_key {
            "stored"
        } else {
            "missing (pull with a subscriber key to screen offline)"
        },
    ]);
    println!("{table}");
    Ok(())
}

// ---------------------------------------------------------------- verify

/// What `feed verify` prints.
#[derive(Debug, Serialize)]
struct VerifySummary {
    /// The last event verified.
    head: FeedHead,
    /// Events verified (the feed is gapless, so the head's seq).
    events: u64,
    /// Entries active after replaying every event.
    active_entries: usize,
    /// Entries ever published, active or removed.
    entries: usize,
    /// The pinned key's id.
    key_id: String,
    /// The hub last pulled from.
    hub: Option<String>,
    /// Whether the mirror holds a token key.
    token_key: bool,
}

async fn verify(args: FeedMirrorArgs, json: bool) -> anyhow::Result<()> {
    let mirror = Mirror::open(&args.mirror).await?;
    let summary = verify_summary(&mirror).await;
    mirror.close().await;
    let summary = summary?;
    if json {
        return output::json_line(&summary);
    }
    let mut table = output::table(["field", "value"]);
    table.add_row(vec![Cell::new("head seq"), number(summary.head.seq)]);
    table.add_row(vec!["head hash", summary.head.hash.as_str()]);
    table.add_row(vec![Cell::new("events verified"), number(summary.events)]);
    table.add_row(vec![
        Cell::new("active entries"),
        number(summary.active_entries),
    ]);
    table.add_row(vec![
        Cell::new("entries published"),
        number(summary.entries),
    ]);
    table.add_row(vec!["key id", summary.key_id.as_str()]);
    table.add_row(vec!["hub", summary.hub.as_deref().unwrap_or("-")]);
    println!("{table}");
    Ok(())
}

async fn verify_summary(mirror: &Mirror) -> anyhow::Result<VerifySummary> {
    let replayed = mirror.replay().await?;
    let key = mirror.pinned_key().await?.ok_or(MirrorError::Unpinned)?;
    Ok(VerifySummary {
        events: replayed.head.seq,
        head: replayed.head,
        active_entries: replayed.replica.active(),
        entries: replayed.replica.entries().len(),
        key_id: feed::key_id(&key),
        hub: mirror.hub_url().await?,
        token_key: mirror.token_key().await?.is_some(),
    })
}

// ---------------------------------------------------------------- screen

async fn screen(args: FeedScreenArgs, json: bool) -> anyhow::Result<()> {
    let _ = (Path::new(&args.batch), json);
    bail!("offline screening needs the hub's shared screening code (not merged yet)")
}
