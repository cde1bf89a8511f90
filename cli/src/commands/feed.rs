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
use ed25519_dalek::VerifyingKey;
use feed::{FeedError, FeedHead, SignedEvent};
use matcher::TokenKey;
use reqwest::{StatusCode, Url};
use secrecy::ExposeSecret as _;
use serde::Serialize;

use super::Context;
use crate::args::{FeedCommand, FeedMirrorArgs, FeedPullArgs, FeedScreenArgs};
use crate::client::{ApiError, Client};
use crate::mirror::{Checkpoint, Mirror, MirrorError, Replayed, parse_public_key};
use crate::output;

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
    /// The events already stored do not verify: the file was altered.
    #[error("{0}; nothing was pulled: check it with `mhub feed verify` and pull into a new mirror")]
    Broken(MirrorError),
    /// The network, the hub or the mirror failed: nothing to undo.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl PullError {
    /// A refusal undoes the run; anything else keeps committed pages.
    fn is_refusal(&self) -> bool {
        !matches!(
            self,
            PullError::Interrupted | PullError::Broken(_) | PullError::Other(_)
        )
    }
}

impl From<MirrorError> for PullError {
    fn from(error: MirrorError) -> PullError {
        match error {
            MirrorError::Refused(feed) => PullError::Refused(feed),
            corrupt @ MirrorError::Corrupt(_) => PullError::Broken(corrupt),
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
        Ok(summary) => {
            mirror.close().await;
            print_pull(&summary, json)
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
        let what = if error.is_refusal() {
            "pull refused"
        } else {
            "pull failed"
        };
        return match mirror.discard().await {
            Ok(()) => anyhow::Error::new(error).context(format!("{what}; no mirror was created")),
            Err(io) => anyhow::Error::new(error)
                .context(format!("{what}, and removing the new mirror failed: {io}")),
        };
    }
    if matches!(error, PullError::Broken(_)) {
        mirror.close().await;
        return error.into();
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
    let kept = seq.saturating_sub(checkpoint.head.seq);
    anyhow::Error::new(error).context(format!(
        "pull stopped after storing {kept} new events (the mirror is at event {seq}); \
         run it again to resume"
    ))
}

/// Verify what the mirror holds, check the key, the head and the token
/// key, then page through the new events, applying each verified page to
/// the replica; what to print.
async fn pull_into(
    plan: &PullPlan,
    mirror: &Mirror,
    start: &FeedHead,
    json: bool,
) -> Result<PullSummary, PullError> {
    let Replayed {
        mut replica,
        head: stored,
    } = replay_stored(mirror).await?;
    if stored != *start {
        return Err(anyhow::anyhow!("the mirror changed while it was being read").into());
    }
    let key = pin_key(plan, mirror).await?;
    let hub_head = plan.client.feed_head().await?;
    check_head(start, &hub_head)?;
    let token_key = fetch_token_key(&plan.client, mirror).await?;
    mirror.set_hub_url(plan.client.base().as_str()).await?;

    let bar = output::progress(hub_head.seq.saturating_sub(start.seq), "events", json);
    bar.set_message("pulling");
    let mut head = start.clone();
    loop {
        let events = fetch_page(&plan.client, &head, plan.page).await?;
        if events.is_empty() {
            break;
        }
        let (next, payloads) = mirror.append(&head, &events, &key).await?;
        head = next;
        for payload in &payloads {
            replica.apply(payload);
        }
        bar.inc(events.len() as u64);
        if (events.len() as u64) < plan.page {
            break;
        }
    }
    bar.finish_and_clear();
    check_reached(&head, &hub_head)?;
    Ok(PullSummary {
        pulled: head.seq - start.seq,
        head,
        active_entries: replica.active(),
        key_id: feed::key_id(&key),
        token_key,
    })
}

/// The stored chain, verified from genesis before anything is added to it;
/// an empty replica for a mirror that was never pulled.
async fn replay_stored(mirror: &Mirror) -> Result<Replayed, PullError> {
    if mirror.pinned_key().await?.is_none() && mirror.head().await? == FeedHead::genesis() {
        return Ok(Replayed {
            replica: feed::Replica::new(),
            head: FeedHead::genesis(),
        });
    }
    mirror.replay().await.map_err(PullError::Broken)
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
/// note, and the mirror keeps any token key it already had. Whether the
/// mirror holds one now.
async fn fetch_token_key(client: &Client, mirror: &Mirror) -> Result<bool, PullError> {
    match client.feed_token_key().await {
        Ok(answer) => {
            let key = TokenKey::from_hex(answer.token_key.expose_secret())
                .map_err(|e| anyhow::anyhow!("the hub's token key is unusable: {e}"))?;
            mirror.set_token_key(&key).await?;
            Ok(true)
        }
        Err(error) => match error.downcast_ref::<ApiError>() {
            Some(refusal) if refusal.status == StatusCode::FORBIDDEN => {
                eprintln!(
                    "note: this API key may not read the token key (subscriber and admin keys may): \
                     the feed is mirrored, but `mhub feed screen` needs the token key — pull once \
                     with a subscriber key"
                );
                Ok(mirror.token_key().await?.is_some())
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

fn print_pull(summary: &PullSummary, json: bool) -> anyhow::Result<()> {
    if json {
        return output::json_line(summary);
    }
    let token_key = if summary.token_key {
        "stored"
    } else {
        "missing: pull with a subscriber key to screen offline"
    };
    println!(
        "{}",
        fields_table([
            ("pulled", summary.pulled.to_string()),
            ("head seq", summary.head.seq.to_string()),
            ("head hash", summary.head.hash.clone()),
            ("active entries", summary.active_entries.to_string()),
            ("key id", summary.key_id.clone()),
            ("token key", token_key.to_owned()),
        ])
    );
    Ok(())
}

/// A two-column table of named values.
fn fields_table<const N: usize>(rows: [(&str, String); N]) -> comfy_table::Table {
    let mut table = output::table(["field", "value"]);
    for (name, value) in rows {
        table.add_row(vec![name.to_owned(), value]);
    }
    table
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
    println!(
        "{}",
        fields_table([
            ("head seq", summary.head.seq.to_string()),
            ("head hash", summary.head.hash.clone()),
            ("events verified", summary.events.to_string()),
            ("active entries", summary.active_entries.to_string()),
            ("entries published", summary.entries.to_string()),
            ("key id", summary.key_id.clone()),
            ("hub", summary.hub.clone().unwrap_or_else(|| "-".to_owned())),
            (
                "token key",
                if summary.token_key {
                    "stored"
                } else {
                    "missing"
                }
                .to_owned()
            ),
        ])
    );
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

/// Screen a batch against the mirror: the rows read and validated as
/// `POST /v1/screen` reads them, tokenised with the mirror's token key, and
/// screened by a replica replayed (and verified) from the mirror.
async fn screen(args: FeedScreenArgs, json: bool) -> anyhow::Result<()> {
    let mirror = Mirror::open(&args.mirror.mirror).await?;
    let prepared = screen_inputs(&mirror).await;
    mirror.close().await;
    let (token_key, replica) = prepared?;
    let rows = read_batch(&args.batch).await?;
    anyhow::ensure!(!rows.is_empty(), "{} holds no record", args.batch.display());
    let candidates = hub::screening::validate(rows, &token_key, hub::clock::today_in_china());
    let results = hub::screening::screen(&replica, &candidates);
    if json {
        return output::json_lines(&results);
    }
    output::print_screenings(&results);
    Ok(())
}

/// The token key and the verified replica, or why the mirror cannot screen.
async fn screen_inputs(mirror: &Mirror) -> anyhow::Result<(TokenKey, feed::Replica)> {
    let token_key = mirror.token_key().await?.context(
        "the mirror holds no token key, so records cannot be tokenised: pull once with a \
         subscriber key (`MHUB_KEY=<subscriber key> mhub feed pull --mirror FILE`)",
    )?;
    let replayed = mirror.replay().await?;
    Ok((token_key, replayed.replica))
}

/// The batch's rows (file reading and unzipping are blocking work).
async fn read_batch(
    path: &Path,
) -> anyhow::Result<Vec<(u64, Result<serde_json::Value, hub::ingest::Issue>)>> {
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || hub::screening::read_file(&owned, &hub::Limits::default()))
        .await
        .context("reading the batch")?
        .with_context(|| format!("reading {}", path.display()))
}
