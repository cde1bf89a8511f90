//! `mhub bench --entries N`: the blacklist side of the benchmark (SPEC §12).
//!
//! On the hub `mhub bench` has just filled, over HTTP as members use it:
//! - **listing**: N entries built from stored merchants' own identifiers
//!   (so every approval's retro screen finds a merchant and raises an
//!   alert, the costly case), imported 1,000 per request by one analyst and
//!   approved one request each by another;
//! - **single screens**: `--screens` requests of one prospective record each
//!   (rows of ACQ01's file, as an onboarding system sends them), latency
//!   percentiles;
//! - **batch screens**: the same records 1,000 per request, records per
//!   second;
//! - **feed**: `mhub feed pull` of every event into a new mirror and `mhub
//!   feed verify` of it, as subprocesses of this very binary, wall clock.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hub::auth::Role;
use serde::Serialize;
use serde_json::{Value, json};

use super::bench::{Latency, latency};
use super::local_hub::LocalHub;
use crate::output;

/// Records per batch screening request.
const BATCH: usize = 1_000;

/// Entries per import request.
const IMPORT: usize = 1_000;

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plan {
    /// Entries to list.
    pub(super) entries: usize,
    /// Single-record screens to time.
    pub(super) screens: usize,
}

/// The blacklist figures of the report.
#[derive(Debug, Serialize)]
pub(super) struct Report {
    /// Entries reported and approved.
    entries: usize,
    /// Importing them (reported, not yet active).
    import_seconds: f64,
    /// Approving them one by one, each with its retro screen.
    approve_seconds: f64,
    /// `entries / approve_seconds`.
    approvals_per_second: f64,
    /// Stored merchants the retro screens found.
    retro_merchant_hits: usize,
    /// Single-record screens.
    single: Single,
    /// Screens of 1,000 records per request.
    batch: Batch,
    /// Pulling and verifying the whole feed.
    feed: FeedFigures,
}

/// Single-record screens.
#[derive(Debug, Serialize)]
struct Single {
    requests: usize,
    /// Records answered, by decision (`invalid` for refused records).
    decisions: BTreeMap<String, usize>,
    latency: Option<Latency>,
}

/// Batch screens.
#[derive(Debug, Serialize)]
struct Batch {
    requests: usize,
    records: usize,
    seconds: f64,
    records_per_second: f64,
}

/// Feed pull and verify.
#[derive(Debug, Serialize)]
struct FeedFigures {
    events: u64,
    pull_seconds: f64,
    verify_seconds: f64,
    /// `events / pull_seconds` (pull verifies every event as it stores it).
    pulled_events_per_second: f64,
}

/// The rows of one generated acquirer folder, as §3 JSON objects.
fn rows_of(folder: &Path) -> anyhow::Result<Vec<Value>> {
    let file = ["merchants.jsonl", "merchants.csv"]
        .into_iter()
        .map(|name| folder.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("{} holds no merchants file", folder.display()))?;
    let rows = hub::screening::read_file(&file, &hub::Limits::default())
        .with_context(|| format!("reading {}", file.display()))?;
    Ok(rows.into_iter().filter_map(|(_, row)| row.ok()).collect())
}

/// An entry that lists one identifier of a stored row, cycling through
/// the subject types.
fn entry_from(row: &Value, n: usize) -> Option<Value> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let base = json!({
        "reason": "cash_out", "penalty": "terminate",
        "evidence": "bench entry", "external_ref": format!("bench:{n}"),
    });
    let mut entry = base;
    match n % 4 {
        0 => {
            entry["subject_type"] = json!("person");
            entry["name"] = row["legal_rep"]["name"].clone();
            entry["id_type"] = row["legal_rep"]["id_type"].clone();
            entry["id_number"] = json!(text(&row["legal_rep"]["id_number"])?);
        }
        1 => {
            entry["subject_type"] = json!("merchant");
            entry["name"] = row["name"].clone();
            entry["address"] = row["address"].clone();
            if let Some(uscc) = text(&row["uscc"]) {
                entry["uscc"] = json!(uscc);
            }
        }
        2 => {
            entry["subject_type"] = json!("settlement_account");
            entry["account_number"] = json!(text(&row["settlement_account"]["number"])?);
            entry["account_kind"] = row["settlement_account"]["kind"].clone();
        }
        _ => {
            entry["subject_type"] = json!("terminal");
            entry["sn"] = json!(text(&row["terminals"][0]["sn"])?);
        }
    }
    Some(entry)
}

/// Run the blacklist measures on `hub`, whose merchants came from the
/// acquirer folders under `root`.
pub(super) async fn run(
    hub: &LocalHub,
    root: &Path,
    acquirers: &[String],
    plan: Plan,
    json: bool,
) -> anyhow::Result<Report> {
    let spinner = output::spinner(json);
    spinner.set_message("building blacklist entries from stored merchants");
    let mut entries = Vec::with_capacity(plan.entries);
    // ACQ01's rows are screened; entries come from the other acquirers.
    'folders: for code in acquirers.iter().skip(1) {
        for row in rows_of(&root.join(code))? {
            if entries.len() == plan.entries {
                break 'folders;
            }
            if let Some(entry) = entry_from(&row, entries.len()) {
                entries.push(entry);
            }
        }
    }
    if entries.len() < plan.entries {
        bail!(
            "the stored merchants give only {} entries; ask for fewer or more merchants",
            entries.len()
        );
    }
    let prospects: Vec<Value> = rows_of(&root.join(&acquirers[0]))?
        .into_iter()
        .take(plan.screens)
        .collect();
    spinner.finish_and_clear();

    let (_, reporter) = hub.analyst().await?;
    let (_, reviewer) = hub.analyst().await?;
    let acquirer = hub.create_key(Role::Acquirer, Some(&acquirers[0])).await?;
    let screener = hub.client(&acquirer)?;

    let bar = output::progress(entries.len() as u64, "entries imported", json);
    let started = Instant::now();
    let mut ids = Vec::with_capacity(entries.len());
    for chunk in entries.chunks(IMPORT) {
        for result in reporter.import_entries(chunk).await? {
            match result.id {
                Some(id) => ids.push(id),
                None => bail!(
                    "entry {} was not reported: {:?}",
                    result.line,
                    result.errors
                ),
            }
        }
        bar.inc(chunk.len() as u64);
    }
    let import_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let bar = output::progress(ids.len() as u64, "entries approved", json);
    let started = Instant::now();
    let mut retro_merchant_hits = 0;
    for id in &ids {
        retro_merchant_hits += reviewer.approve_entry(*id, "bench").await?.merchants_hit;
        bar.inc(1);
    }
    let approve_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let bar = output::progress(prospects.len() as u64, "single screens", json);
    let mut decisions: BTreeMap<String, usize> = BTreeMap::new();
    let mut times: Vec<Duration> = Vec::with_capacity(prospects.len());
    for prospect in &prospects {
        let started = Instant::now();
        let answer = screener.screen(std::slice::from_ref(prospect)).await?;
        times.push(started.elapsed());
        for result in answer {
            let decision = result.decision.map_or("invalid", |d| d.as_str());
            *decisions.entry(decision.to_owned()).or_default() += 1;
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let single = Single {
        requests: prospects.len(),
        decisions,
        latency: latency(&mut times),
    };

    let spinner = output::spinner(json);
    spinner.set_message("batch screens");
    let started = Instant::now();
    let mut requests = 0;
    for chunk in prospects.chunks(BATCH) {
        screener.screen(chunk).await?;
        requests += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    let batch = Batch {
        requests,
        records: prospects.len(),
        seconds,
        records_per_second: prospects.len() as f64 / seconds.max(f64::EPSILON),
    };

    spinner.set_message("pulling and verifying the feed");
    let subscriber = hub.create_key(Role::Subscriber, None).await?;
    let mirror = root.join("bench-mirror.sqlite");
    let started = Instant::now();
    let pulled = feed_command(hub, &subscriber.key, &["pull", "--mirror"], &mirror)?;
    let pull_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    feed_command(hub, &subscriber.key, &["verify", "--mirror"], &mirror)?;
    let verify_seconds = started.elapsed().as_secs_f64();
    spinner.finish_and_clear();
    let events = pulled["head"]["seq"].as_u64().unwrap_or_default();

    Ok(Report {
        entries: ids.len(),
        import_seconds,
        approve_seconds,
        approvals_per_second: ids.len() as f64 / approve_seconds.max(f64::EPSILON),
        retro_merchant_hits,
        single,
        batch,
        feed: FeedFigures {
            events,
            pull_seconds,
            verify_seconds,
            pulled_events_per_second: events as f64 / pull_seconds.max(f64::EPSILON),
        },
    })
}

/// Run `mhub feed ARGS MIRROR --json` against `hub` with `key`: its answer.
fn feed_command(hub: &LocalHub, key: &str, args: &[&str], mirror: &Path) -> anyhow::Result<Value> {
    let exe = std::env::current_exe().context("finding the mhub binary")?;
    let output = Command::new(exe)
        .arg("feed")
        .args(args)
        .arg(mirror)
        .arg("--json")
        .env("MHUB_URL", hub.url().as_str())
        .env("MHUB_KEY", key)
        .output()
        .context("running mhub feed")?;
    if !output.status.success() {
        bail!(
            "mhub feed {} failed: {}",
            args[0],
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).context("reading mhub feed's answer")
}

/// The lines the report table shows.
pub(super) fn print(report: &Report) {
    println!(
        "blacklist: {} entries imported in {:.2} s, approved in {:.1} s ({:.0}/s, each with its retro screen; {} stored merchants hit)",
        report.entries,
        report.import_seconds,
        report.approve_seconds,
        report.approvals_per_second,
        report.retro_merchant_hits
    );
    let decisions: Vec<String> = report
        .single
        .decisions
        .iter()
        .map(|(d, n)| format!("{n} {d}"))
        .collect();
    println!(
        "screening, one record per request: {} requests ({}), {}",
        report.single.requests,
        decisions.join(", "),
        super::bench::latency_text(report.single.latency)
    );
    println!(
        "screening, {} records per request: {} records in {:.2} s ({:.0} records/s)",
        BATCH, report.batch.records, report.batch.seconds, report.batch.records_per_second
    );
    println!(
        "feed: {} events pulled and verified into a new mirror in {:.2} s ({:.0} events/s); verify of the mirror {:.2} s",
        report.feed.events,
        report.feed.pull_seconds,
        report.feed.pulled_events_per_second,
        report.feed.verify_seconds
    );
}
