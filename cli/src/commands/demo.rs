//! `mhub demo`: the one-command tour.
//!
//! Starts the hub in this process ([`LocalHub`]), gives every sample
//! acquirer a key, uploads each acquirer's folder over HTTP with the same
//! [`Uploader`](crate::upload::Uploader) as `mhub upload`, and prints what
//! the hub answered. Everything it reports comes from the batch results;
//! nothing is computed on the side.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use comfy_table::Cell;
use hub::auth::IssuedKey;
use hub::ingest::{BatchResult, Severity};
use reqwest::Url;

use super::local_hub::{self, LocalHub, SampleAcquirer};
use crate::args::DemoArgs;
use crate::client::{Client, Page};
use crate::output::{self, number};
use crate::upload::Source;

/// What happened to one acquirer's upload.
struct AcquirerOutcome {
    code: String,
    folder: PathBuf,
    key: IssuedKey,
    results: Vec<BatchResult>,
    /// Row error code → count, over all its batches.
    error_codes: BTreeMap<String, i64>,
    /// A merchant that was stored, for the example commands.
    example_merchant: Option<String>,
    /// Its terminal location reports, when the samples have them.
    reports: Option<hub::verify::terminals::ReportsResult>,
}

/// Run the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let samples = local_hub::find_samples(&args.samples)?;
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    // The hub logs every request; keep stdout for the tour and the log in a file.
    let log_path = args.data_dir.join("demo.log");
    local_hub::log_to_file(&log_path)?;

    let hub = LocalHub::start(args.settings(), "demo").await?;
    let tour = async {
        let (analyst, _) = hub.analyst().await?;
        let mut outcomes = Vec::with_capacity(samples.len());
        for sample in &samples {
            outcomes.push(upload(&hub, sample).await?);
        }
        // The association lists the sample blacklist (samples/blacklist.jsonl).
        let file = args.samples.join("blacklist.jsonl");
        let blacklist = if file.is_file() {
            eprintln!(
                "reporting and approving the blacklist in {}",
                file.display()
            );
            Some(hub.list_blacklist(&file).await?)
        } else {
            None
        };
        anyhow::Ok((analyst, outcomes, blacklist))
    };
    let (analyst, outcomes, blacklist) = match tour.await {
        Ok(done) => done,
        Err(error) => {
            let _ = hub.stop().await;
            return Err(error);
        }
    };

    print_summary(
        hub.url(),
        hub.admin_key(),
        &analyst,
        &outcomes,
        blacklist.as_ref(),
        &log_path,
    );
    if args.no_serve {
        println!(
            "(--no-serve: the hub has stopped; to try these, run `mhub serve --data-dir {} --listen {}`)",
            args.data_dir.display(),
            hub.address()
        );
        return hub.stop().await;
    }
    println!("serving on {} until Ctrl-C", hub.url());
    hub.serve_until_signal(&log_path).await
}

/// Give the acquirer a key and upload its folder over HTTP.
async fn upload(hub: &LocalHub, sample: &SampleAcquirer) -> anyhow::Result<AcquirerOutcome> {
    eprintln!("uploading {} as {}", sample.folder.display(), sample.code);
    let (key, client, results) = hub.upload(sample, true, |_| Ok(())).await?;
    let error_codes = error_codes(&client, &results).await?;
    let rejected: Vec<&str> = results
        .iter()
        .flat_map(|r| &r.errors)
        .filter_map(|e| e.merchant_id.as_deref())
        .collect();
    let example_merchant = first_merchant_id(&sample.plan.source, &rejected);
    // Then where its terminals were seen (samples/terminal_locations/ACQnn.jsonl).
    let reports_file = sample.folder.parent().map(|root| {
        root.join("terminal_locations")
            .join(format!("{}.jsonl", sample.code))
    });
    let reports = match reports_file {
        Some(file) if file.is_file() => {
            eprintln!("reporting terminal locations from {}", file.display());
            let reports = super::terminals::read_reports(&file)?;
            Some(super::terminals::send(&client, &reports).await?)
        }
        _ => None,
    };
    Ok(AcquirerOutcome {
        code: sample.code.clone(),
        folder: sample.folder.clone(),
        key,
        results,
        error_codes,
        example_merchant,
        reports,
    })
}

/// Count row errors by code: from the results when they list them all,
/// otherwise from the batches' issue pages.
async fn error_codes(
    client: &Client,
    results: &[BatchResult],
) -> anyhow::Result<BTreeMap<String, i64>> {
    let mut codes = BTreeMap::new();
    for result in results {
        if usize::try_from(result.error_count) == Ok(result.errors.len()) {
            for error in &result.errors {
                *codes.entry(error.code.clone()).or_default() += 1;
            }
            continue;
        }
        let mut after = None;
        loop {
            let page = client
                .batch_issues(
                    result.batch_id,
                    Page {
                        cursor: after,
                        limit: Some(1000),
                    },
                )
                .await?;
            for issue in page.iter().filter(|i| i.severity == Severity::Error) {
                *codes.entry(issue.code.clone()).or_default() += 1;
            }
            match page.last() {
                Some(last) if page.len() == 1000 => after = Some(last.seq),
                _ => break,
            }
        }
    }
    Ok(codes)
}

/// The first merchant id in the batch that was not rejected.
fn first_merchant_id(source: &Source, rejected: &[&str]) -> Option<String> {
    let path: PathBuf = match source {
        Source::Jsonl(path) => path.clone(),
        Source::Folder(folder) => folder.merchants.clone(),
        Source::File { path, .. } => path.clone(),
    };
    let file = std::fs::File::open(&path).ok()?;
    let mut lines = BufReader::new(file).lines().map_while(Result::ok).take(200);
    let is_csv = path.extension().is_some_and(|e| e == "csv");
    // CSV: a plain header/first-record split is enough for an example id.
    let column = if is_csv {
        let header = lines.next()?;
        Some(
            header
                .trim_start_matches('\u{feff}')
                .split(',')
                .position(|h| h.trim() == "merchant_id")?,
        )
    } else {
        None
    };
    lines
        .filter_map(|line| match column {
            Some(index) => line
                .split(',')
                .nth(index)
                .map(|id| id.trim().trim_matches('"').to_owned()),
            None => serde_json::from_str::<serde_json::Value>(&line)
                .ok()?
                .get("merchant_id")?
                .as_str()
                .map(str::to_owned),
        })
        // The hub keys merchants by the normalised number (upper case, …).
        .filter_map(|id| matcher::MerchantId::parse(&id).ok())
        .map(|id| id.as_str().to_owned())
        .find(|id| !rejected.contains(&id.as_str()))
}

fn print_summary(
    url: &Url,
    admin_key: Option<&IssuedKey>,
    analyst: &IssuedKey,
    outcomes: &[AcquirerOutcome],
    blacklist: Option<&super::local_hub::BlacklistOutcome>,
    log_path: &Path,
) {
    let base = url.as_str().trim_end_matches('/');
    println!();
    println!("mhub demo hub: {base}   (hub log: {})", log_path.display());
    println!();
    println!("keys created (shown once):");
    let mut keys = output::table(["role", "acquirer", "key"]);
    for key in admin_key
        .into_iter()
        .chain(outcomes.iter().map(|o| &o.key))
        .chain([analyst])
    {
        keys.add_row(vec![
            Cell::new(key.role.as_str()),
            output::or_dash(key.acquirer.as_deref()),
            Cell::new(&key.key),
        ]);
    }
    println!("{keys}");

    println!("uploads:");
    let mut uploads = output::table([
        "acquirer",
        "batches",
        "rows",
        "accepted",
        "rejected",
        "created",
        "updated",
        "unchanged",
        "replayed",
        "alerts",
    ]);
    let mut total_alerts = 0;
    for outcome in outcomes {
        let sum = |f: fn(&BatchResult) -> i64| outcome.results.iter().map(f).sum::<i64>();
        let alerts: usize = outcome.results.iter().map(|r| r.alerts.len()).sum();
        total_alerts += alerts;
        uploads.add_row(vec![
            Cell::new(&outcome.code),
            number(outcome.results.len()),
            number(sum(|r| r.rows)),
            number(sum(|r| r.accepted)),
            number(sum(|r| r.rejected)),
            number(sum(|r| r.created)),
            number(sum(|r| r.updated)),
            number(sum(|r| r.unchanged)),
            Cell::new(if outcome.results.iter().all(|r| r.replayed) {
                "yes"
            } else {
                "no"
            }),
            number(alerts),
        ]);
    }
    println!("{uploads}");

    if outcomes.iter().any(|o| !o.error_codes.is_empty()) {
        println!(
            "row errors by code (rejected rows are reported, the rest of each batch is stored):"
        );
        let mut errors = output::table(["acquirer", "code", "rows"]);
        for outcome in outcomes {
            for (code, count) in &outcome.error_codes {
                errors.add_row(vec![
                    Cell::new(&outcome.code),
                    Cell::new(code),
                    number(count),
                ]);
            }
        }
        println!("{errors}");
    }
    let reported: Vec<_> = outcomes.iter().filter_map(|o| o.reports.as_ref()).collect();
    if !reported.is_empty() {
        let sum = |f: fn(&hub::verify::terminals::ReportsResult) -> usize| {
            reported.iter().map(|r| f(r)).sum::<usize>()
        };
        let far: usize = reported
            .iter()
            .map(|r| r.results.iter().filter(|o| o.far).count())
            .sum();
        println!(
            "terminal location reports: {} sent, {} accepted, {} refused, {far} far from their merchant; {} alert changes",
            sum(|r| r.results.len()),
            sum(|r| r.accepted),
            sum(|r| r.rejected),
            sum(|r| r.alerts.len())
        );
        total_alerts += sum(|r| r.alerts.len());
    }
    println!("alerts in the batch and report results: {total_alerts}");
    println!();
    if let Some(blacklist) = blacklist {
        print_blacklist(blacklist);
    }

    println!("try:");
    if let Some(first) = outcomes.first() {
        let env = format!("MHUB_URL={base} MHUB_KEY={}", first.key.key);
        if let Some(merchant) = &first.example_merchant {
            println!("  {env} mhub merchants show {merchant}");
            println!("  {env} mhub merchants show {merchant} --versions");
        }
        println!("  {env} mhub batches list");
        println!(
            "  {env} mhub upload {} --json    # the same bytes again: replayed",
            first.folder.display()
        );
        println!(
            "  {env} mhub screen {}/merchants.jsonl    # prospects against the blacklist",
            first.folder.display()
        );
    }
    println!(
        "  MHUB_URL={base} MHUB_KEY={} mhub alerts list --type blacklist_hit",
        analyst.key
    );
    println!(
        "  MHUB_URL={base} MHUB_KEY={} mhub blacklist list --status active",
        analyst.key
    );
    if let Some(other) = outcomes.get(1).or(outcomes.first())
        && let Some(merchant) = &other.example_merchant
    {
        println!(
            "  MHUB_URL={base} MHUB_KEY={} mhub merchants show {merchant} --acquirer {}",
            analyst.key, other.code
        );
    }
    println!();
}

/// What listing the sample blacklist found.
fn print_blacklist(outcome: &super::local_hub::BlacklistOutcome) {
    if outcome.approved.is_empty() {
        println!(
            "blacklist: the {} sample entries were listed by an earlier run",
            outcome.duplicates
        );
        return;
    }
    println!("blacklist entries approved (each screened every stored merchant at once):");
    let mut table = output::table([
        "entry",
        "subject",
        "reason",
        "penalty",
        "merchants hit",
        "alert",
    ]);
    for approval in &outcome.approved {
        let entry = &approval.entry;
        table.add_row(vec![
            number(entry.id),
            Cell::new(&entry.subject_type),
            Cell::new(&entry.reason),
            Cell::new(&entry.penalty),
            number(approval.merchants_hit),
            approval.alert.as_ref().map_or(Cell::new("-"), |a| {
                Cell::new(format!("{} {}", a.id, a.change))
            }),
        ]);
    }
    println!("{table}");
    println!();
}
