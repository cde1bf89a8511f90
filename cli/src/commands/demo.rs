//! `mhub demo`: the one-command tour.
//!
//! Starts the hub in this process, gives every sample acquirer a key,
//! uploads each acquirer's folder over HTTP with the same [`Uploader`] as
//! `mhub upload`, and prints what the hub answered. Everything it reports
//! comes from the batch results; nothing is computed on the side.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use comfy_table::Cell;
use hub::LogFormat;
use hub::auth::{self, IssuedKey, Role};
use hub::ingest::{BatchResult, Severity};
use hub::store::Store;
use reqwest::Url;
use secrecy::SecretString;
use tokio::sync::oneshot;

use super::serve;
use crate::args::DemoArgs;
use crate::client::{Client, Page};
use crate::output::{self, number};
use crate::upload::{Plan, Source, Uploader};

/// Rows per batch for the demo's uploads (the `mhub upload` default).
const ROWS_PER_BATCH: u64 = 50_000;

/// One acquirer's sample folder.
struct SampleAcquirer {
    /// Acquirer code: the folder's name.
    code: String,
    /// The folder.
    folder: PathBuf,
    /// What to upload.
    plan: Plan,
}

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
}

/// Run the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let samples = find_samples(&args.samples)?;
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    // The hub logs every request; keep stdout for the tour and the log in a file.
    let log_path = args.data_dir.join("demo.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("opening {}", log_path.display()))?;
    hub::telemetry::init(LogFormat::Text, std::sync::Mutex::new(log));

    let app = serve::build(args.settings()).await?;
    let address = app.local_addr();
    let url = Url::parse(&format!("http://{address}")).context("the hub's URL")?;
    let admin_key = app.admin_key().cloned();
    let store = app.state().store.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let mut server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));

    let tour = async {
        let analyst = create_key(&store, Role::Analyst, None).await?;
        Client::new(url.clone(), SecretString::from(analyst.key.as_str()))?
            .health()
            .await
            .context("the demo hub does not answer /healthz")?;
        let mut outcomes = Vec::with_capacity(samples.len());
        for sample in &samples {
            outcomes.push(upload(&url, &store, sample).await?);
        }
        anyhow::Ok((analyst, outcomes))
    };
    let (analyst, outcomes) = match tour.await {
        Ok(done) => done,
        Err(error) => {
            let _ = stop.send(());
            let _ = server.await;
            return Err(error);
        }
    };

    print_summary(&url, admin_key.as_ref(), &analyst, &outcomes, &log_path);
    if args.no_serve {
        println!(
            "(--no-serve: the hub has stopped; to try these, run `mhub serve --data-dir {} --listen {address}`)",
            args.data_dir.display()
        );
    }

    if args.no_serve {
        let _ = stop.send(());
        server.await.context("the hub stopped abnormally")?;
        return Ok(());
    }
    println!("serving on {url} until Ctrl-C");
    tokio::select! {
        () = serve::shutdown_signal() => {
            let _ = stop.send(());
            server.await.context("the hub stopped abnormally")?;
        }
        ended = &mut server => {
            ended.context("the hub stopped abnormally")?;
            bail!("the hub stopped unexpectedly; see {}", log_path.display());
        }
    }
    Ok(())
}

/// Acquirer folders in `root`: named like an acquirer code (`ACQ01`) and
/// holding a merchants file. Other folders are not batches and are skipped.
fn find_samples(root: &Path) -> anyhow::Result<Vec<SampleAcquirer>> {
    let entries = std::fs::read_dir(root).with_context(|| {
        format!(
            "cannot read the samples folder {}: generate one with \
             `mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --out {}`",
            root.display(),
            root.display()
        )
    })?;
    let mut samples = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("listing {}", root.display()))?
            .path();
        let Some(code) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let has_merchants = ["merchants.jsonl", "merchants.csv"]
            .iter()
            .any(|name| path.join(name).is_file());
        if !path.is_dir() || auth::validate_acquirer_code(&code).is_err() || !has_merchants {
            continue;
        }
        let plan = Plan {
            source: Source::of(&path)?,
            all_or_nothing: false,
            rows_per_batch: ROWS_PER_BATCH,
        };
        samples.push(SampleAcquirer {
            code,
            folder: path,
            plan,
        });
    }
    if samples.is_empty() {
        bail!(
            "{} holds no acquirer folders (ACQ01/merchants.jsonl, …): generate some with \
             `mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --out {}`",
            root.display(),
            root.display()
        );
    }
    samples.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(samples)
}

async fn create_key(
    store: &Store,
    role: Role,
    acquirer: Option<&str>,
) -> anyhow::Result<IssuedKey> {
    auth::create_key(store, role, acquirer, Some("mhub demo"), "demo")
        .await
        .with_context(|| format!("creating the demo's {} key", role.as_str()))
}

/// Give the acquirer a key and upload its folder over HTTP.
async fn upload(
    url: &Url,
    store: &Store,
    sample: &SampleAcquirer,
) -> anyhow::Result<AcquirerOutcome> {
    let key = create_key(store, Role::Acquirer, Some(&sample.code)).await?;
    let client = Client::new(url.clone(), SecretString::from(key.key.as_str()))?;
    eprintln!("uploading {} as {}", sample.folder.display(), sample.code);
    let results = Uploader::new(&client, true)
        .run(&sample.plan, |_| Ok(()))
        .await
        .with_context(|| format!("uploading {}", sample.plan.source.path().display()))?;
    let error_codes = error_codes(&client, &results).await?;
    let rejected: Vec<&str> = results
        .iter()
        .flat_map(|r| &r.errors)
        .filter_map(|e| e.merchant_id.as_deref())
        .collect();
    let example_merchant = first_merchant_id(&sample.plan.source, &rejected);
    Ok(AcquirerOutcome {
        code: sample.code.clone(),
        folder: sample.folder.clone(),
        key,
        results,
        error_codes,
        example_merchant,
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
    println!("alerts in the batch results: {total_alerts}");
    println!();

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
    }
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
