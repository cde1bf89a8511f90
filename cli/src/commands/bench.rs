//! `mhub bench`: SPEC §12's performance figures, measured on generated data
//! through the hub's real paths.
//!
//! The run, in order:
//! 1. **generate** `--merchants` merchants over `--acquirers` acquirers with
//!    samplegen (no photos, no invalid rows, no decoy blacklist entries),
//!    and the extra batch's source (below); timed, but not a measure;
//! 2. start a hub in this process ([`LocalHub`]) on an empty data directory,
//!    SQLite unless `--database-url`;
//! 3. **ingest + match**: every acquirer folder uploaded in turn over HTTP
//!    with `mhub upload`'s [`Uploader`](crate::upload::Uploader), each with
//!    its own key; wall clock from the first upload to the last batch result,
//!    so the client's own work (zipping a CSV folder, hashing and cutting a
//!    JSONL file) is included, as a user running `mhub upload` would see it;
//! 4. **batch**: one more acquirer's folder uploaded onto everything stored;
//! 5. **rebuild**: [`hub::alerts::rebuild`], what `mhub reindex` runs (the
//!    candidate index, every fuzzy link, every alert);
//! 6. **search**: `--searches` sequential `GET /v1/search?q=` requests;
//! 7. **memory**: the peak resident set (`VmHWM`) of this process, which
//!    holds the generator, the client and the hub; and the core count.
//!
//! The extra batch: samplegen has no option to number acquirers from an
//! offset, so the batch is generated as a separate run with another seed and
//! one acquirer more (`K + 1` acquirers, `K + 1` times `--batch` merchants),
//! and only the last acquirer's folder, `ACQ{K+1}`, is uploaded. Its code
//! and merchant numbers (samplegen puts the acquirer in the number) are new
//! to the hub, and its size is about `--batch`, as that acquirer's share of
//! the run. Identifiers of two runs with different seeds are independent, so
//! a few may coincide by chance with stored ones and raise alerts, as they
//! would in production.
//!
//! Search queries are drawn evenly over every generated row: in turn a
//! merchant name, an address, a legal representative's ID number and a
//! phone, each exactly as the file writes it. The hub looks identifiers up
//! by token and sends names and addresses to its fuzzy text index (the
//! default 20 hits); latency percentiles are over the answered requests, and
//! refusals (none expected) are counted by code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use comfy_table::Cell;
use hub::ingest::BatchResult;
use indicatif::{HumanBytes, HumanCount};
use samplegen::{Options, Summary};
use serde::Serialize;
use serde_json::Value;

use super::Context;
use super::local_hub::{self, LocalHub, SampleAcquirer, WorkDir};
use crate::args::BenchArgs;
use crate::client::{ApiError, Client};
use crate::output::{self, number};

/// Free-text hits asked for per search, the hub's default.
const SEARCH_HITS: u16 = 20;

/// Mixed into `--seed` for the extra batch, so its identifiers are drawn
/// independently of the stored ones.
const BATCH_SEED: u64 = 0x6261_7463_6800_0001;

/// What a search query is drawn from, in the order queries cycle through.
const QUERY_KINDS: [QueryKind; 4] = [
    QueryKind::Name,
    QueryKind::Address,
    QueryKind::IdNumber,
    QueryKind::Phone,
];

/// The field of a generated row a search query was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
enum QueryKind {
    /// The merchant's registered name.
    Name,
    /// Its address.
    Address,
    /// The legal representative's document number.
    IdNumber,
    /// The legal representative's phone, or else the contact phone.
    Phone,
}

impl QueryKind {
    /// Its name in the report, as in the JSON form.
    fn as_str(self) -> &'static str {
        match self {
            QueryKind::Name => "name",
            QueryKind::Address => "address",
            QueryKind::IdNumber => "id_number",
            QueryKind::Phone => "phone",
        }
    }
}

/// One search query.
#[derive(Debug, Clone)]
struct Query {
    kind: QueryKind,
    text: String,
}

/// The validated run: generator options and the extra batch.
struct BenchPlan {
    /// The stored merchants.
    base: Options,
    /// The run the extra batch's folder comes from.
    batch: Options,
    /// Search requests to send.
    searches: usize,
    /// The blacklist measures, when --entries asks for them.
    blacklist: Option<super::bench_screening::Plan>,
    /// The hub's data directory, if the user keeps it.
    data_dir: Option<PathBuf>,
    /// `postgres://…`, if not SQLite.
    database_url: Option<secrecy::SecretString>,
}

/// The `--json` answer, and what the table shows.
#[derive(Debug, Serialize)]
struct Report {
    /// `std::thread::available_parallelism`.
    cores: usize,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// Merchants asked for.
    merchants: usize,
    /// Acquirers sharing them.
    acquirers: usize,
    /// Seed of the stored merchants.
    seed: u64,
    /// Generation of the stored merchants (not part of any measure).
    generate_seconds: f64,
    /// Generation of the extra batch's source run (not part of any measure).
    generate_batch_seconds: f64,
    /// Every acquirer folder, uploaded in turn.
    ingest: Throughput,
    /// The extra batch onto everything stored.
    batch: Throughput,
    /// The full rebuild.
    rebuild: Rebuild,
    /// The search requests.
    search: Search,
    /// Blacklist listing, screening and the feed (with --entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    blacklist: Option<super::bench_screening::Report>,
    /// VmHWM of this process in bytes (generator, client and hub); `null`
    /// where /proc/self/status is missing.
    peak_memory_bytes: Option<u64>,
}

/// An upload's figures.
#[derive(Debug, Serialize)]
struct Throughput {
    /// Acquirers uploaded.
    acquirers: Vec<String>,
    /// Merchants stored before it started.
    stored_before: i64,
    /// Batches the hub acknowledged.
    batches: usize,
    /// Rows the hub read.
    rows: i64,
    /// Rows stored.
    accepted: i64,
    /// Rows refused.
    rejected: i64,
    /// Alerts raised, grown or reopened, as the batch results list them.
    alert_changes: usize,
    /// Wall clock, first upload to last batch result.
    seconds: f64,
    /// `accepted / seconds`.
    merchants_per_second: f64,
}

/// The rebuild's figures.
#[derive(Debug, Serialize)]
struct Rebuild {
    /// Merchants read.
    merchants: usize,
    /// Fuzzy links found between them.
    links: usize,
    /// Alerts the rebuild changed (0: incremental matching missed nothing).
    alerts_changed: usize,
    /// Wall clock.
    seconds: f64,
}

/// The searches' figures.
#[derive(Debug, Serialize)]
struct Search {
    /// Requests sent.
    requests: usize,
    /// Answered with results (2xx).
    answered: usize,
    /// Refused, by the hub's error code.
    refused: BTreeMap<String, usize>,
    /// Over the answered requests; `null` when none was.
    latency: Option<Latency>,
    /// The same per query kind.
    by_kind: Vec<KindSearch>,
}

/// Searches of one query kind.
#[derive(Debug, Serialize)]
struct KindSearch {
    kind: QueryKind,
    requests: usize,
    answered: usize,
    /// Merchants found, over the answered requests.
    hits: usize,
    refused: BTreeMap<String, usize>,
    latency: Option<Latency>,
}

/// Latency percentiles (nearest rank), in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(super) struct Latency {
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

/// One search request's outcome.
struct Timed {
    kind: QueryKind,
    elapsed: Duration,
    /// Hits, or the hub's refusal code.
    outcome: Result<usize, String>,
}

/// Run the benchmark and print its report.
pub async fn run(args: BenchArgs, context: &Context) -> anyhow::Result<()> {
    let plan = BenchPlan::new(args)?;
    let work = WorkDir::new(None, "mhub-bench-")?;
    match bench(&plan, work.path(), context.json).await {
        Ok(report) if context.json => output::json_line(&report),
        Ok(report) => {
            print_report(&report);
            Ok(())
        }
        Err(error) => {
            work.keep_after_failure();
            Err(error)
        }
    }
}

impl BenchPlan {
    /// Check the flags and derive both generator runs.
    fn new(args: BenchArgs) -> anyhow::Result<BenchPlan> {
        let size = |value: u64, flag: &str| {
            usize::try_from(value).with_context(|| format!("{flag} is too large"))
        };
        let acquirers = size(args.acquirers, "--acquirers")?;
        let batch = size(args.batch, "--batch")?;
        let base = Options {
            merchants: size(args.merchants, "--merchants")?,
            acquirers,
            seed: args.seed,
            photos: false,
            invalid_rows: 0,
            blacklist_decoys: Some(0),
        };
        let batch = Options {
            merchants: batch
                .checked_mul(acquirers + 1)
                .context("--batch is too large")?,
            acquirers: acquirers + 1,
            seed: args.seed ^ BATCH_SEED,
            ..base.clone()
        };
        if let Some(dir) = &args.data_dir {
            local_hub::ensure_empty(dir)?;
        }
        Ok(BenchPlan {
            base,
            batch,
            searches: size(args.searches, "--searches")?,
            blacklist: match args.entries {
                0 => None,
                entries => Some(super::bench_screening::Plan {
                    entries: size(entries, "--entries")?,
                    screens: size(args.screens, "--screens")?,
                }),
            },
            data_dir: args.data_dir,
            database_url: args.database_url,
        })
    }
}

/// The whole run; generated files go to `work`.
async fn bench(plan: &BenchPlan, work: &Path, json: bool) -> anyhow::Result<Report> {
    let data_dir = plan.data_dir.clone().unwrap_or_else(|| work.join("data"));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    local_hub::log_to_file(&data_dir.join("bench.log"))?;

    let spinner = output::spinner(json);
    spinner.set_message(format!(
        "generating {} merchants for {} acquirers",
        HumanCount(plan.base.merchants as u64),
        plan.base.acquirers
    ));
    let (summary, generate_time) = generate(&plan.base, &work.join("merchants")).await?;
    spinner.set_message("generating the extra batch");
    let (batch_summary, generate_batch_time) = generate(&plan.batch, &work.join("batch")).await?;
    spinner.set_message("drawing search queries from the generated files");
    let queries = {
        let (root, summary, searches) = (work.join("merchants"), summary.clone(), plan.searches);
        tokio::task::spawn_blocking(move || draw_queries(&root, &summary, searches))
    }
    .await
    .context("drawing search queries")??;
    spinner.finish_and_clear();

    let samples = local_hub::find_samples(&work.join("merchants"))?;
    let batch_code = batch_summary
        .acquirers
        .last()
        .map(|a| a.code.clone())
        .context("the batch run wrote no acquirer")?;
    let batch_sample = local_hub::sample_acquirer_in(&work.join("batch"), &batch_code)?;
    let batch_rows = batch_summary.acquirers.last().map_or(0, |a| a.merchants);

    let settings = hub::Settings {
        data_dir,
        listen: ([127, 0, 0, 1], 0).into(),
        database_url: plan.database_url.clone(),
        ..hub::Settings::default()
    };
    let hub = LocalHub::start(settings, "bench").await?;
    let measured = async {
        let (_, analyst) = hub.analyst().await?;
        let total: usize = summary.acquirers.iter().map(|a| a.merchants).sum();
        let ingest = upload(&hub, &samples, 0, total, "ingest", json).await?;
        let batch = upload(
            &hub,
            std::slice::from_ref(&batch_sample),
            ingest.accepted,
            batch_rows,
            "batch",
            json,
        )
        .await?;

        let spinner = output::spinner(json);
        spinner.set_message("rebuilding every alert");
        let started = Instant::now();
        let state = hub.state();
        let report = hub::alerts::rebuild(&state.store, &state.linker, &state.location)
            .await
            .context("rebuilding the alerts")?;
        let rebuild = Rebuild {
            merchants: report.merchants,
            links: report.links,
            alerts_changed: report.changes.len(),
            seconds: started.elapsed().as_secs_f64(),
        };
        spinner.finish_and_clear();

        let search = search(&analyst, &queries, json).await?;
        let blacklist = match plan.blacklist {
            Some(blacklist) => {
                let codes: Vec<String> = samples.iter().map(|s| s.code.clone()).collect();
                Some(
                    super::bench_screening::run(
                        &hub,
                        &work.join("merchants"),
                        &codes,
                        blacklist,
                        json,
                    )
                    .await?,
                )
            }
            None => None,
        };
        anyhow::Ok((ingest, batch, rebuild, search, blacklist))
    }
    .await;
    let database = hub.state().store.backend().as_str();
    let stopped = hub.stop().await;
    let (ingest, batch, rebuild, search, blacklist) = measured?;
    stopped?;

    Ok(Report {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        database,
        merchants: plan.base.merchants,
        acquirers: plan.base.acquirers,
        seed: plan.base.seed,
        generate_seconds: generate_time.as_secs_f64(),
        generate_batch_seconds: generate_batch_time.as_secs_f64(),
        ingest,
        batch,
        rebuild,
        search,
        blacklist,
        peak_memory_bytes: peak_memory(),
    })
}

/// Run samplegen on a blocking thread; its summary and how long it took.
async fn generate(options: &Options, out: &Path) -> anyhow::Result<(Summary, Duration)> {
    let started = Instant::now();
    let summary = {
        let (options, out) = (options.clone(), out.to_owned());
        tokio::task::spawn_blocking(move || samplegen::generate(&options, &out))
    }
    .await
    .context("generating merchants")?
    .with_context(|| format!("generating merchants in {}", out.display()))?;
    Ok((summary, started.elapsed()))
}

/// Upload `samples` in turn, each with its own acquirer key, timing the
/// whole; `stored_before` and `rows` are for the report and the progress bar.
async fn upload(
    hub: &LocalHub,
    samples: &[SampleAcquirer],
    stored_before: i64,
    rows: usize,
    what: &str,
    json: bool,
) -> anyhow::Result<Throughput> {
    let bar = output::progress(rows as u64, "rows", json);
    let mut results: Vec<BatchResult> = Vec::new();
    let started = Instant::now();
    for sample in samples {
        bar.set_message(format!("{what}: {}", sample.code));
        let (_, _, uploaded) = hub
            .upload(sample, false, |result| {
                bar.inc(u64::try_from(result.rows).unwrap_or_default());
                Ok(())
            })
            .await?;
        results.extend(uploaded);
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    if let Some(replayed) = results.iter().find(|r| r.replayed) {
        bail!(
            "the hub already held batch {} of {}: the database is not empty, and a bench needs \
             an empty one (replayed uploads measure nothing)",
            replayed.batch_id,
            replayed.acquirer
        );
    }
    let accepted = results.iter().map(|r| r.accepted).sum();
    Ok(Throughput {
        acquirers: samples.iter().map(|s| s.code.clone()).collect(),
        stored_before,
        batches: results.len(),
        rows: results.iter().map(|r| r.rows).sum(),
        accepted,
        rejected: results.iter().map(|r| r.rejected).sum(),
        alert_changes: results.iter().map(|r| r.alerts.len()).sum(),
        seconds,
        merchants_per_second: accepted as f64 / seconds.max(f64::EPSILON),
    })
}

/// Send every query in turn and time each answer.
async fn search(client: &Client, queries: &[Query], json: bool) -> anyhow::Result<Search> {
    let bar = output::progress(queries.len() as u64, "searches", json);
    bar.set_message("search");
    let mut timed = Vec::with_capacity(queries.len());
    for query in queries {
        let started = Instant::now();
        let answer = client.search(&query.text, SEARCH_HITS).await;
        let elapsed = started.elapsed();
        let outcome = match answer {
            Ok(result) => Ok(result.hits.len()),
            Err(error) => match error.downcast_ref::<ApiError>() {
                Some(refusal) if refusal.status.is_client_error() => Err(refusal.code.clone()),
                _ => return Err(error.context("searching")),
            },
        };
        timed.push(Timed {
            kind: query.kind,
            elapsed,
            outcome,
        });
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summarise_searches(&timed))
}

/// Counts and percentiles, overall and per kind.
fn summarise_searches(timed: &[Timed]) -> Search {
    let summarise = |of: &[&Timed]| {
        let mut answered: Vec<Duration> = Vec::new();
        let mut hits = 0;
        let mut refused: BTreeMap<String, usize> = BTreeMap::new();
        for t in of {
            match &t.outcome {
                Ok(found) => {
                    answered.push(t.elapsed);
                    hits += found;
                }
                Err(code) => *refused.entry(code.clone()).or_default() += 1,
            }
        }
        (answered.len(), hits, refused, latency(&mut answered))
    };
    let all: Vec<&Timed> = timed.iter().collect();
    let (answered, _, refused, overall) = summarise(&all);
    let by_kind = QUERY_KINDS
        .iter()
        .filter_map(|kind| {
            let of: Vec<&Timed> = timed.iter().filter(|t| t.kind == *kind).collect();
            if of.is_empty() {
                return None;
            }
            let (answered, hits, refused, latency) = summarise(&of);
            Some(KindSearch {
                kind: *kind,
                requests: of.len(),
                answered,
                hits,
                refused,
                latency,
            })
        })
        .collect();
    Search {
        requests: timed.len(),
        answered,
        refused,
        latency: overall,
        by_kind,
    }
}

/// Nearest-rank percentiles; `None` for no samples.
pub(super) fn latency(samples: &mut [Duration]) -> Option<Latency> {
    samples.sort_unstable();
    let max = *samples.last()?;
    let at = |p: usize| {
        let rank = (p * samples.len()).div_ceil(100).max(1);
        samples[rank - 1]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Some(Latency {
        p50_ms: ms(at(50)),
        p95_ms: ms(at(95)),
        p99_ms: ms(at(99)),
        max_ms: ms(max),
    })
}

/// The values one generated row offers as queries, as the file writes them.
#[derive(Debug, Default)]
struct RowValues {
    name: Option<String>,
    address: Option<String>,
    id_number: Option<String>,
    phone: Option<String>,
}

impl RowValues {
    fn get(&self, kind: QueryKind) -> Option<&String> {
        match kind {
            QueryKind::Name => self.name.as_ref(),
            QueryKind::Address => self.address.as_ref(),
            QueryKind::IdNumber => self.id_number.as_ref(),
            QueryKind::Phone => self.phone.as_ref(),
        }
    }
}

/// `searches` queries from rows spread evenly over every acquirer's file:
/// query `i` takes kind `i mod 4` (or the next kind the row has) from row
/// `i` of the sample, rows being reused when there are fewer than queries.
fn draw_queries(root: &Path, summary: &Summary, searches: usize) -> anyhow::Result<Vec<Query>> {
    let total: usize = summary.acquirers.iter().map(|a| a.merchants).sum();
    let stride = (total / searches.max(1)).max(1);
    let mut rows = Vec::new();
    let mut index = 0;
    for acquirer in &summary.acquirers {
        let folder = root.join(&acquirer.code);
        let mut take = |values: RowValues| {
            if index % stride == 0 && rows.len() < searches {
                rows.push(values);
            }
            index += 1;
        };
        let jsonl = folder.join("merchants.jsonl");
        if jsonl.is_file() {
            read_jsonl(&jsonl, &mut take)?;
        } else {
            read_csv(&folder.join("merchants.csv"), &mut take)?;
        }
    }
    if rows.is_empty() {
        bail!("the generated files hold no rows to draw search queries from");
    }
    let queries = (0..searches)
        .filter_map(|i| {
            let row = &rows[i % rows.len()];
            (0..QUERY_KINDS.len())
                .map(|k| QUERY_KINDS[(i + k) % QUERY_KINDS.len()])
                .find_map(|kind| row.get(kind).map(|text| (kind, text)))
                .map(|(kind, text)| Query {
                    kind,
                    text: text.clone(),
                })
        })
        .collect();
    Ok(queries)
}

fn read_jsonl(path: &Path, take: &mut impl FnMut(RowValues)) -> anyhow::Result<()> {
    use std::io::BufRead as _;
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("reading {}", path.display()))?;
        let row: Value = serde_json::from_str(&line)
            .with_context(|| format!("reading a row of {}", path.display()))?;
        let text = |value: &Value| value.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
        let rep = &row["legal_rep"];
        take(RowValues {
            name: text(&row["name"]),
            address: text(&row["address"]),
            id_number: text(&rep["id_number"]),
            phone: text(&rep["phone"]).or_else(|| text(&row["contact_phone"])),
        });
    }
    Ok(())
}

fn read_csv(path: &Path, take: &mut impl FnMut(RowValues)) -> anyhow::Result<()> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let header = reader
        .headers()
        .with_context(|| format!("reading {}", path.display()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
    };
    let columns = [
        column("name"),
        column("address"),
        column("legal_rep_id_number"),
        column("legal_rep_phone"),
        column("contact_phone"),
    ];
    for record in reader.records() {
        let record = record.with_context(|| format!("reading {}", path.display()))?;
        let text = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        take(RowValues {
            name: text(columns[0]),
            address: text(columns[1]),
            id_number: text(columns[2]),
            phone: text(columns[3]).or_else(|| text(columns[4])),
        });
    }
    Ok(())
}

/// VmHWM, the peak resident set of this process, from /proc/self/status.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn print_report(report: &Report) {
    let mut table = output::table(["measure", "result", "SPEC §12 (2 cores, SQLite)"]);
    table.add_row(vec![
        "machine".to_owned(),
        format!("{} cores; {}", report.cores, report.database),
        String::new(),
    ]);
    table.add_row(vec![
        "generate (not measured)".to_owned(),
        format!(
            "{} merchants in {}; the extra batch's run in {}",
            HumanCount(report.merchants as u64),
            seconds(report.generate_seconds),
            seconds(report.generate_batch_seconds)
        ),
        String::new(),
    ]);
    let ingest = &report.ingest;
    table.add_row(vec![
        "ingest + match".to_owned(),
        format!(
            "{} merchants from {} acquirers in {}: {} merchants/s ({} batches, {} refused, {} \
             alert changes)",
            HumanCount(count(ingest.accepted)),
            ingest.acquirers.len(),
            seconds(ingest.seconds),
            HumanCount(ingest.merchants_per_second.round() as u64),
            ingest.batches,
            HumanCount(count(ingest.rejected)),
            HumanCount(ingest.alert_changes as u64),
        ),
        "1,000,000 from 12 acquirers in ≤ 30 s (≥ 33,000/s)".to_owned(),
    ]);
    let batch = &report.batch;
    table.add_row(vec![
        "add a batch".to_owned(),
        format!(
            "{} merchants ({}) onto {} stored in {}: {} merchants/s ({} alert changes)",
            HumanCount(count(batch.accepted)),
            batch.acquirers.join(", "),
            HumanCount(count(batch.stored_before)),
            seconds(batch.seconds),
            HumanCount(batch.merchants_per_second.round() as u64),
            HumanCount(batch.alert_changes as u64),
        ),
        "10,000 onto 1,000,000 in ≤ 1 s".to_owned(),
    ]);
    table.add_row(vec![
        "full rebuild".to_owned(),
        format!(
            "{} merchants in {}: {} fuzzy links, {} alerts changed",
            HumanCount(report.rebuild.merchants as u64),
            seconds(report.rebuild.seconds),
            HumanCount(report.rebuild.links as u64),
            report.rebuild.alerts_changed
        ),
        "1,000,000 in ≤ 60 s".to_owned(),
    ]);
    let search = &report.search;
    table.add_row(vec![
        "search".to_owned(),
        format!(
            "{} of {} answered: {}{}",
            search.answered,
            search.requests,
            latency_text(search.latency),
            refused_text(&search.refused)
        ),
        "– (screening: p99 ≤ 10 ms)".to_owned(),
    ]);
    table.add_row(vec![
        "peak memory".to_owned(),
        report.peak_memory_bytes.map_or_else(
            || "– (no /proc/self/status)".to_owned(),
            |bytes| {
                format!(
                    "{} (VmHWM of this one process: generator, client and hub)",
                    HumanBytes(bytes)
                )
            },
        ),
        "≤ 4 GiB at 1,000,000".to_owned(),
    ]);
    println!("{table}");

    let mut kinds = output::table([
        "query", "requests", "answered", "hits", "refused", "p50 ms", "p95 ms", "p99 ms", "max ms",
    ]);
    for kind in &search.by_kind {
        let ms = |pick: fn(&Latency) -> f64| {
            number(
                kind.latency
                    .as_ref()
                    .map_or_else(|| "–".to_owned(), |l| format!("{:.2}", pick(l))),
            )
        };
        kinds.add_row(vec![
            Cell::new(kind.kind.as_str()),
            number(kind.requests),
            number(kind.answered),
            number(kind.hits),
            Cell::new(refused_list(&kind.refused)),
            ms(|l| l.p50_ms),
            ms(|l| l.p95_ms),
            ms(|l| l.p99_ms),
            ms(|l| l.max_ms),
        ]);
    }
    println!("{kinds}");
    println!(
        "Ingest and batch: wall clock from the first upload to the last batch result, over HTTP \
         as `mhub upload` sends them. Latency: GET /v1/search one request at a time, over the \
         answered requests."
    );
    if let Some(blacklist) = &report.blacklist {
        super::bench_screening::print(blacklist);
    }
}

/// A non-negative count from the hub's signed counters.
fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or_default()
}

/// `1.23 s`, `123.4 s`.
fn seconds(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2} s")
    } else {
        format!("{value:.1} s")
    }
}

/// `p50 1.20 ms, p95 …`, or `–` when nothing was answered.
pub(super) fn latency_text(latency: Option<Latency>) -> String {
    latency.map_or_else(
        || "–".to_owned(),
        |l| {
            format!(
                "p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms
            )
        },
    )
}

/// `; 250 refused (invalid_query)`, or nothing.
fn refused_text(refused: &BTreeMap<String, usize>) -> String {
    let total: usize = refused.values().sum();
    if total == 0 {
        return String::new();
    }
    format!("; {total} refused ({})", refused_list(refused))
}

/// `invalid_query 250, …`.
fn refused_list(refused: &BTreeMap<String, usize>) -> String {
    refused
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|v| Duration::from_millis(*v)).collect()
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let mut samples = ms(&(1..=100).rev().collect::<Vec<_>>());
        let l = latency(&mut samples).unwrap();
        assert_eq!(
            (l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms),
            (50.0, 95.0, 99.0, 100.0)
        );

        let l = latency(&mut ms(&[7])).unwrap();
        assert_eq!((l.p50_ms, l.p99_ms, l.max_ms), (7.0, 7.0, 7.0));

        assert_eq!(latency(&mut []), None);
    }

    #[test]
    fn refusals_are_counted_by_code_and_left_out_of_the_latencies() {
        let timed = [
            Timed {
                kind: QueryKind::Name,
                elapsed: Duration::from_millis(1),
                outcome: Err("invalid_query".to_owned()),
            },
            Timed {
                kind: QueryKind::Phone,
                elapsed: Duration::from_millis(4),
                outcome: Ok(2),
            },
        ];
        let search = summarise_searches(&timed);
        assert_eq!((search.requests, search.answered), (2, 1));
        assert_eq!(search.refused["invalid_query"], 1);
        assert_eq!(search.latency.unwrap().max_ms, 4.0);
        let kinds: Vec<(QueryKind, usize, usize)> = search
            .by_kind
            .iter()
            .map(|k| (k.kind, k.answered, k.hits))
            .collect();
        assert_eq!(kinds, [(QueryKind::Name, 0, 0), (QueryKind::Phone, 1, 2)]);
        assert_eq!(search.by_kind[0].latency, None);
    }
}
