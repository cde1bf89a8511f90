//! Command-line syntax: clap structs whose doc comments are the `--help`.
//!
//! This is the first of two parsing stages (STYLE 22): clap checks the
//! shapes of flags here; each command then turns its arguments into a
//! validated plan ([`HubArgs::settings`], [`crate::upload::Plan`],
//! [`crate::commands::Context`]) before anything runs.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use hub::auth::Role;
use hub::{LogFormat, Overrides, Settings};
use reqwest::Url;
use secrecy::SecretString;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// mhub: the merchant onboarding and blacklist sharing hub.
///
/// Runs the hub (`serve`, `init`, `demo`), runs one of its own to measure
/// it (`samples evaluate`, `bench`), works on its store directly
/// (`reindex`) and talks to one over HTTP (everything else). Tables are
/// printed for people; `--json` prints JSON for scripts. Exit codes: 0
/// success, 1 failure, 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "mhub", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after its name.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Base URL of the hub.
    #[arg(
        long,
        global = true,
        env = "MHUB_URL",
        default_value = "http://127.0.0.1:8080",
        value_name = "URL"
    )]
    pub url: Url,
    /// API key to authenticate with (`mhub_…`).
    #[arg(
        long,
        global = true,
        env = "MHUB_KEY",
        hide_env_values = true,
        value_parser = parse_secret,
        value_name = "KEY"
    )]
    pub key: Option<SecretString>,
    /// Why you read merchant data, sent as the Mhub-Purpose header and kept
    /// in the hub's audit log (SPEC §9). Searches, merchant, person, alert,
    /// photo and blacklist reads are refused without one.
    #[arg(
        long,
        global = true,
        env = "MHUB_PURPOSE",
        value_name = "PURPOSE",
        value_parser = ["onboarding", "periodic_review", "investigation"]
    )]
    pub purpose: Option<String>,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub's HTTP API until Ctrl-C or SIGTERM
    ///
    /// Prints `mhub listening on http://ADDR` as its first line on stdout
    /// (with the real port when --listen asks for port 0), then the first
    /// admin key if this start created it.
    ///
    /// Example:
    ///   mhub serve --data-dir ./mhub-data --listen 127.0.0.1:8080
    #[command(verbatim_doc_comment)]
    Serve(ServeArgs),
    /// Prepare a data directory and print the first admin key
    ///
    /// Creates the secrets and the database, and the first admin key when
    /// none exists. Keys are shown once: a second init prints null.
    ///
    /// Example:
    ///   mhub init --data-dir ./mhub-data --json
    #[command(verbatim_doc_comment)]
    Init(InitArgs),
    /// Create, list, revoke and rotate API keys (admin key; a key may rotate itself).
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Read and verify the hub's audit log: who read or changed what, when, from where, why
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Upload a merchant batch as the acquirer the key belongs to
    ///
    /// PATH is a merchants.jsonl file, a merchants.csv file, a .zip batch,
    /// or a folder holding merchants.jsonl or merchants.csv (+ terminals.csv)
    /// and optionally photos/ (zipped on the fly). JSONL files with more
    /// rows than --rows-per-batch are sent as consecutive batches; an
    /// interrupted upload resumes where it stopped when run again.
    ///
    /// Exit code 0 when the hub stored the batch, even if some rows were
    /// rejected (the result lists them); 1 when it refused the batch.
    ///
    /// Example:
    ///   MHUB_KEY=mhub_… mhub upload samples/ACQ01 --json
    #[command(verbatim_doc_comment)]
    Upload(UploadArgs),
    /// List uploaded batches and show their results.
    #[command(subcommand)]
    Batches(BatchesCommand),
    /// Show and find merchants as the hub stores them (tokens and masked values only).
    #[command(subcommand)]
    Merchants(MerchantsCommand),
    /// Every merchant behind one person, across acquirers.
    #[command(subcommand)]
    People(PeopleCommand),
    /// List, show, confirm and dismiss the alerts the hub raised.
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Report where terminals were seen; relocated terminals raise alerts.
    #[command(subcommand)]
    Terminals(TerminalsCommand),
    /// The shared blacklist: report, review, remove, and read entries.
    #[command(subcommand)]
    Blacklist(BlacklistCommand),
    /// Screen prospective merchants against the blacklist
    ///
    /// FILE is a batch in the upload format (merchants.jsonl, merchants.csv
    /// or a .zip; photos are not needed). Every record is answered clear,
    /// review or blocked, with the entries it matches, a match code per
    /// field (exact | partial | none, with the similarity) and how many
    /// stored merchants already share its people and identifiers. The hub
    /// keeps each screen for the retention period (360 days): an entry
    /// approved later raises a retro alert to the screening acquirer.
    ///
    /// With --json: one object per record, with at least line, merchant_id,
    /// decision and hits. Exit code 0 whatever the decisions (they are the
    /// answer); 1 when the hub refuses the request or the file is unreadable.
    ///
    /// Examples:
    ///   mhub screen prospects.jsonl
    ///   mhub screen prospects.csv --purpose periodic_review --json
    #[command(verbatim_doc_comment)]
    Screen(ScreenArgs),
    /// Mirror the signed blacklist feed locally and screen against it offline.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Generate realistic sample batches with planted cases; score the hub against them.
    #[command(subcommand)]
    Samples(SamplesCommand),
    /// Run the whole thing: serve, create keys, upload the samples, explain
    ///
    /// Opens the data directory, starts the hub in this process, creates one
    /// acquirer key per sample folder (ACQ01, ACQ02, …) and an analyst key,
    /// uploads every folder, prints what happened and commands to try, then
    /// keeps serving until Ctrl-C. Running it again on the same data
    /// directory replays the uploads.
    ///
    /// Example:
    ///   mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --out ./samples
    ///   mhub demo
    #[command(verbatim_doc_comment)]
    Demo(DemoArgs),
    /// Rebuild every alert from the stored merchants, in this process
    ///
    /// Opens the data directory and database directly (no HTTP, no key),
    /// runs detection over every stored merchant in one transaction, and
    /// prints how many merchants it read and each alert it raised, grew or
    /// reopened. No changes means the stored alerts already equal a full
    /// rebuild: incremental matching missed nothing. Alerts already right
    /// are left untouched, so analysts' decisions stay.
    ///
    /// It can run while hubs serve on the same PostgreSQL database. On
    /// SQLite it can run next to a hub on the same data directory, waiting
    /// for the database's writer lock while the hub writes.
    ///
    /// Examples:
    ///   mhub reindex --data-dir ./mhub-data
    ///   mhub reindex --database-url postgres://mhub@db/mhub --data-dir /var/lib/mhub --json
    #[command(verbatim_doc_comment)]
    Reindex(ReindexArgs),
    /// Measure ingest, matching, rebuild, search and memory on generated data
    ///
    /// Generates --merchants merchants over --acquirers acquirers (no
    /// photos, no invalid rows), starts a hub in this process on a fresh data
    /// directory (SQLite unless --database-url) and measures, over HTTP as
    /// `mhub upload` and `mhub merchants search` do:
    ///
    ///   ingest + match  every acquirer folder uploaded in turn, wall clock
    ///                   from the first upload to the last batch result (the
    ///                   client zipping and cutting files included);
    ///   batch           about --batch more merchants, of a new acquirer
    ///                   code (ACQ K+1, new merchant numbers), uploaded
    ///                   onto everything stored;
    ///   rebuild         a full rebuild of the alerts (`mhub reindex`), in
    ///                   this process;
    ///   search          --searches requests GET /v1/search?q= drawn evenly
    ///                   from the generated files: names, addresses, ID
    ///                   numbers and phones as written there; latency
    ///                   percentiles over the answered ones (names and
    ///                   addresses go to the fuzzy text index);
    ///   memory          peak resident memory (VmHWM) of this process, which
    ///                   holds the generator, the client and the hub.
    ///
    /// Generation time is reported but not part of any measure. Progress
    /// goes to stderr, the report to stdout (one JSON object with --json).
    /// SPEC §12 asks for figures at 100,000 and 1,000,000 merchants, with
    /// the machine's core count (reported).
    ///
    /// Examples:
    ///   mhub bench --merchants 100000
    ///   mhub bench --merchants 1000000 --acquirers 12 --batch 10000 --json
    #[command(verbatim_doc_comment)]
    Bench(BenchArgs),
}

/// Where the hub keeps its data: shared by `serve`, `init` and `reindex`.
#[derive(Debug, Args)]
pub struct HubArgs {
    /// TOML configuration file; flags and MHUB_* variables win over it.
    #[arg(long, env = "MHUB_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: SQLite database, photos, secrets [default: ./mhub-data].
    #[arg(long, env = "MHUB_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://…`); without it the hub uses SQLite in
    /// the data directory.
    #[arg(
        long,
        env = "MHUB_DATABASE_URL",
        hide_env_values = true,
        value_parser = parse_secret,
        value_name = "URL"
    )]
    pub database_url: Option<SecretString>,
}

/// `mhub serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Data directory, database and configuration file.
    #[command(flatten)]
    pub hub: HubArgs,
    /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080].
    #[arg(long, env = "MHUB_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Log format on stderr: text or json [default: text].
    #[arg(long, env = "MHUB_LOG_FORMAT", value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// `mhub init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Data directory, database and configuration file.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// `mhub reindex`.
#[derive(Debug, Args)]
pub struct ReindexArgs {
    /// Data directory, database and configuration file.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// `mhub keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it (shown once)
    ///
    /// Example:
    ///   mhub keys create --role acquirer --acquirer ACQ01 --label "ACQ01 batch upload" --json
    #[command(verbatim_doc_comment)]
    Create(KeysCreateArgs),
    /// List every key (never the secrets)
    ///
    /// Example:
    ///   mhub keys list --json
    #[command(verbatim_doc_comment)]
    List,
    /// Revoke a key by its id; requests with it fail from now on
    ///
    /// Example:
    ///   mhub keys revoke 0123456789ab
    #[command(verbatim_doc_comment)]
    Revoke {
        /// The key id (the 12 hex digits after `mhub_`).
        key_id: String,
    },
    /// Replace a key by a new one of the same role and acquirer (shown once)
    ///
    /// The old key keeps working for --grace seconds, so its holder can
    /// deploy the new one first; then it is refused with key_expired. An
    /// admin key rotates any key; every key may rotate itself.
    ///
    /// Example:
    ///   mhub keys rotate 0123456789ab --grace 86400 --json
    #[command(verbatim_doc_comment)]
    Rotate {
        /// The key id (the 12 hex digits after `mhub_`).
        key_id: String,
        /// Seconds the old key keeps working (at most 30 days; 0 ends it now).
        #[arg(long, value_name = "SECS", default_value_t = 86_400)]
        grace: u64,
    },
}

/// `mhub audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first
    ///
    /// Analysts and admins read every event; an acquirer key reads its own
    /// acquirer's keys' events only. Reading the log is itself logged.
    ///
    /// Examples:
    ///   mhub audit list --action search --since 2026-12-01T00:00:00+08:00
    ///   mhub audit list --key-id 0123456789ab --json
    #[command(verbatim_doc_comment)]
    List(AuditListArgs),
    /// Walk the whole hash chain and check every signature (analyst or admin)
    ///
    /// Exit code 0 when the chain is whole, 1 at the first break (its seq
    /// and reason are printed).
    ///
    /// Example:
    ///   mhub audit verify --json
    #[command(verbatim_doc_comment)]
    Verify,
}

/// `mhub audit list`.
#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// Only this key's events.
    #[arg(long, value_name = "KEY_ID")]
    pub key_id: Option<String>,
    /// Only events by this acquirer's keys.
    #[arg(long, value_name = "CODE")]
    pub acquirer: Option<String>,
    /// Only this action (search, merchant.read, screen, blacklist.approve, key.rotate, …).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// At or after this RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Before this RFC 3339 time.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Events with a seq below this (the next page).
    #[arg(long, value_name = "SEQ")]
    pub before: Option<i64>,
    /// Page size, 1-1000.
    #[arg(long, default_value_t = 100)]
    pub limit: i64,
}

/// `mhub keys create`.
#[derive(Debug, Args)]
pub struct KeysCreateArgs {
    /// acquirer, analyst, admin, subscriber or metrics (reads GET /metrics only).
    #[arg(long, value_name = "ROLE")]
    pub role: Role,
    /// The acquirer code an acquirer key is bound to (required for acquirer keys only).
    #[arg(long, value_name = "CODE")]
    pub acquirer: Option<String>,
    /// A note saying who or what holds the key.
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
}

/// `mhub upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// merchants.jsonl, merchants.csv, a .zip batch, or a batch folder.
    pub path: PathBuf,
    /// Refuse the whole batch if any row is bad (nothing is stored).
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Split JSONL files with more rows than this into batches of this many rows.
    #[arg(long, value_name = "N", default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub rows_per_batch: u64,
}

/// `mhub batches …`.
#[derive(Debug, Subcommand)]
pub enum BatchesCommand {
    /// List batches, newest first (an acquirer sees its own)
    ///
    /// Example:
    ///   mhub batches list --limit 20
    #[command(verbatim_doc_comment)]
    List {
        /// How many batches to show (all when absent).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        limit: Option<u64>,
    },
    /// Show one batch's result, or with --issues every row error and warning
    ///
    /// Example:
    ///   mhub batches show 12 --issues
    #[command(verbatim_doc_comment)]
    Show {
        /// Batch id.
        id: i64,
        /// List every row error and warning, not only the first ones
        /// (with --json: one issue per line instead of the result).
        #[arg(long)]
        issues: bool,
    },
}

/// `mhub merchants …`.
#[derive(Debug, Subcommand)]
pub enum MerchantsCommand {
    /// Show a merchant's current record, or its history
    ///
    /// Example:
    ///   mhub merchants show 898440358120001
    ///   mhub merchants show 898440358120001 --acquirer ACQ02 --versions
    #[command(verbatim_doc_comment)]
    Show {
        /// The acquirer's merchant number.
        merchant_id: String,
        /// The acquirer (defaults to the key's own; analysts must give it).
        #[arg(long, value_name = "CODE")]
        acquirer: Option<String>,
        /// Show every stored version instead of the current one.
        #[arg(long)]
        versions: bool,
    },
    /// Find merchants by an identifier or by name and address, across acquirers
    ///
    /// QUERY is a resident ID, mobile phone, unified social credit code
    /// (USCC), settlement account number, terminal SN or merchant number,
    /// written any way (spaces, dashes, full-width digits, +86): the hub
    /// tokenises it and looks up the token; the raw value is never stored
    /// or logged. Any other QUERY is free text, matched fuzzily against
    /// merchant names and addresses (traditional characters, full-width
    /// digits and Chinese numerals are folded): the best --limit hits come
    /// first, each with its relevance. Another acquirer's merchants show
    /// masked, without merchant numbers, to an acquirer key.
    ///
    /// Examples:
    ///   mhub merchants search 11010519491231002X
    ///   mhub merchants search "+86 138-0013-8000" --json
    ///   mhub merchants search "SN: N5-000001"
    ///   mhub merchants search 老王烟酒 --limit 5
    ///   mhub merchants search "建设路五十七号"
    #[command(verbatim_doc_comment)]
    Search {
        /// The identifier, name or address to look for.
        query: String,
        /// Free-text hits to show (1-100).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
    },
}

/// `mhub terminals …`.
#[derive(Debug, Subcommand)]
pub enum TerminalsCommand {
    /// Report terminal locations from a file (POST /v1/terminals/locations)
    ///
    /// FILE holds one report per line (JSON Lines) or a JSON array:
    /// {"terminal_id": "…"} or {"sn": "…"}, with "lat" and "lng" (WGS-84)
    /// and "seen_at" (RFC 3339 with an offset). Terminals are looked up
    /// among the key's acquirer's merchants. A terminal seen farther from
    /// its merchant than the hub's tolerance raises or grows a
    /// terminal_relocated alert (移机). Each report gets its own result; a
    /// refused one stores nothing. Exit code 1 when any report was refused.
    ///
    /// Examples:
    ///   MHUB_KEY=mhub_… mhub terminals report samples/terminal_locations/ACQ01.jsonl
    ///   mhub terminals report seen.jsonl --json
    #[command(verbatim_doc_comment)]
    Report {
        /// The reports (JSON Lines, or one JSON array).
        file: PathBuf,
    },
}

/// `mhub people …`.
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Show every merchant behind one merchant's legal representative
    ///
    /// Lists the merchants with the same legal-rep document, the merchants
    /// of other documents tied to it by linked one_person_many_merchants
    /// alerts, those alerts, and how many acquirers are involved.
    ///
    /// Examples:
    ///   mhub people show 898440358120001
    ///   mhub people show 102610175420001 --acquirer ACQ02 --json
    #[command(verbatim_doc_comment)]
    Show {
        /// The acquirer's merchant number to start from.
        merchant_id: String,
        /// The acquirer (defaults to the key's own; analysts must give it).
        #[arg(long, value_name = "CODE")]
        acquirer: Option<String>,
    },
}

/// `mhub alerts …`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List alerts, newest first: every page, or the first --limit
    ///
    /// Analysts and admins see every alert; an acquirer key sees the alerts
    /// with at least one of its own merchants, other acquirers' merchant
    /// numbers left out. With --json: one alert per line.
    ///
    /// Examples:
    ///   mhub alerts list --status open
    ///   mhub alerts list --type one_person_many_merchants --since 2026-01-01T00:00:00Z --json
    ///   mhub alerts list --acquirer ACQ02 --limit 20
    #[command(verbatim_doc_comment)]
    List(AlertsListArgs),
    /// Show one alert: members, evidence and history
    ///
    /// Example:
    ///   mhub alerts show 42
    #[command(verbatim_doc_comment)]
    Show {
        /// Alert id.
        id: i64,
    },
    /// Confirm an alert: the finding is real (analyst or admin key)
    ///
    /// Prints the updated alert.
    ///
    /// Example:
    ///   mhub alerts confirm 42 --reason "same controller, confirmed by phone interview"
    #[command(verbatim_doc_comment)]
    Confirm(AlertsDecisionArgs),
    /// Dismiss an alert: not a risk (analyst or admin key)
    ///
    /// The dismissal is remembered: the same members with the same evidence
    /// do not raise the alert again; new evidence reopens it. Prints the
    /// updated alert.
    ///
    /// Example:
    ///   mhub alerts dismiss 42 --reason "family business, verified on site"
    #[command(verbatim_doc_comment)]
    Dismiss(AlertsDecisionArgs),
}

/// `mhub alerts list`.
#[derive(Debug, Args)]
pub struct AlertsListArgs {
    /// Only alerts of this type.
    #[arg(long = "type", value_name = "TYPE", value_parser = ALERT_TYPES)]
    pub alert_type: Option<String>,
    /// Only alerts with this status.
    #[arg(long, value_name = "STATUS", value_parser = ["open", "confirmed", "dismissed"])]
    pub status: Option<String>,
    /// Only alerts with a member of this acquirer (an acquirer key: its own only).
    #[arg(long, value_name = "CODE")]
    pub acquirer: Option<String>,
    /// Only alerts last changed at or after this time (RFC 3339, e.g. 2026-01-01T00:00:00+08:00).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub since: Option<OffsetDateTime>,
    /// Only alerts last changed before this time (RFC 3339).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub until: Option<OffsetDateTime>,
    /// How many alerts to show (all when absent).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// `mhub alerts confirm | dismiss`.
#[derive(Debug, Args)]
pub struct AlertsDecisionArgs {
    /// Alert id.
    pub id: i64,
    /// Why, for the record (kept with who decided and when).
    #[arg(long, value_name = "TEXT", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub reason: String,
}

/// `mhub screen`.
#[derive(Debug, Args)]
pub struct ScreenArgs {
    /// Prospective merchants: .jsonl, .csv or .zip in the upload format.
    pub file: PathBuf,
}

/// `mhub blacklist …`.
#[derive(Debug, Subcommand)]
pub enum BlacklistCommand {
    /// Report one entry from flags, or many from a JSON Lines file
    ///
    /// An acquirer key reports under its own code; an analyst key reports
    /// for the association, or for the acquirer a file's "reporter" field
    /// names. Entries wait for an analyst's approval (another key than the
    /// reporter's) before anything is published. With --file, every line is
    /// one entry in the format of docs/blacklist.md; give each an
    /// "external_ref" and importing the file again adds nothing. Identity,
    /// phone and account numbers are tokenised by the hub and never kept in
    /// clear; prefer --file to flags for them (flags stay in shell history).
    ///
    /// Examples:
    ///   mhub blacklist report --subject-type terminal --sn 2Q921947361552 --reason skimming --penalty terminate --evidence "改装终端，已回收"
    ///   mhub blacklist report --file samples/blacklist.jsonl --json
    #[command(verbatim_doc_comment)]
    Report(Box<BlacklistReportArgs>),
    /// List entries, newest first
    ///
    /// Members see active and removed entries and their own reports; analysts see all.
    ///
    /// Examples:
    ///   mhub blacklist list --status active
    ///   mhub blacklist list --status reported --json
    #[command(verbatim_doc_comment)]
    List(BlacklistListArgs),
    /// Show one entry with its transitions
    ///
    /// Example:
    ///   mhub blacklist show 12
    #[command(verbatim_doc_comment)]
    Show {
        /// Entry id.
        id: i64,
    },
    /// Approve a reported entry: it becomes active and is published (analyst key)
    ///
    /// Every stored merchant of every acquirer and every screen of the
    /// retention period is screened against it at once; what it finds is a
    /// blacklist_hit alert. The approving key must not be the reporting one.
    ///
    /// Example:
    ///   mhub blacklist approve 12 --note "公安机关协查函核实"
    #[command(verbatim_doc_comment)]
    Approve(BlacklistNoteArgs),
    /// Reject a reported entry (analyst key)
    ///
    /// Example:
    ///   mhub blacklist reject 12 --note "证据不足"
    #[command(verbatim_doc_comment)]
    Reject(BlacklistNoteArgs),
    /// Remove an active entry: appeal upheld, or listed in error (analyst key)
    ///
    /// The removal is published; the entry and its history stay. Expiry is
    /// the hub's own (it removes lapsed entries by itself).
    ///
    /// Example:
    ///   mhub blacklist remove 12 --removal appeal_upheld --note "申诉成立，复核无套现"
    #[command(verbatim_doc_comment)]
    Remove(BlacklistRemoveArgs),
    /// Show who moved an entry from status to status, when and why
    ///
    /// Example:
    ///   mhub blacklist history 12
    #[command(verbatim_doc_comment)]
    History {
        /// Entry id.
        id: i64,
    },
}

/// `mhub blacklist report`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "subject_type"])))]
pub struct BlacklistReportArgs {
    /// Entries, one JSON object per line (docs/blacklist.md).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["subject_type", "reason", "penalty", "evidence"])]
    pub file: Option<PathBuf>,
    /// What the entry lists.
    #[arg(long, value_name = "TYPE", requires_all = ["reason", "penalty", "evidence"],
          value_parser = ["merchant", "person", "terminal", "settlement_account", "outsourcer"])]
    pub subject_type: Option<String>,
    /// Reason code (cash_out, skimming, terminal_tampering, … see docs/blacklist.md).
    #[arg(long, value_name = "REASON")]
    pub reason: Option<String>,
    /// Penalty.
    #[arg(long, value_name = "PENALTY", value_parser = ["delay_settlement", "suspend_transactions", "terminate"])]
    pub penalty: Option<String>,
    /// What happened, for reviewers (no identity, phone or account numbers).
    #[arg(long, value_name = "TEXT")]
    pub evidence: Option<String>,
    /// Merchant or outsourcer name, or the person's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Unified social credit code.
    #[arg(long, value_name = "USCC")]
    pub uscc: Option<String>,
    /// Identity document type.
    #[arg(long, value_name = "TYPE", value_parser = ["resident_id", "passport", "hk_macao_permit", "other"])]
    pub id_type: Option<String>,
    /// Identity document number.
    #[arg(long, value_name = "NUMBER")]
    pub id_number: Option<String>,
    /// Mobile phone.
    #[arg(long, value_name = "PHONE")]
    pub phone: Option<String>,
    /// Settlement account number.
    #[arg(long, value_name = "NUMBER")]
    pub account_number: Option<String>,
    /// Account kind (inferred when absent).
    #[arg(long, value_name = "KIND", value_parser = ["card", "corporate"])]
    pub account_kind: Option<String>,
    /// Terminal serial number.
    #[arg(long, value_name = "SN")]
    pub sn: Option<String>,
    /// Business address.
    #[arg(long, value_name = "ADDRESS")]
    pub address: Option<String>,
    /// Your own reference for the entry: reporting it again adds nothing.
    #[arg(long, value_name = "REF")]
    pub external_ref: Option<String>,
    /// Expiry (RFC 3339); default: the hub's period for the reason (5 years).
    #[arg(long, value_name = "TIME")]
    pub expires_at: Option<String>,
}

/// `mhub blacklist list`.
#[derive(Debug, Args)]
pub struct BlacklistListArgs {
    /// Only entries in this status.
    #[arg(long, value_name = "STATUS", value_parser = ["reported", "active", "rejected", "removed"])]
    pub status: Option<String>,
    /// Only entries of this subject type.
    #[arg(long, value_name = "TYPE", value_parser = ["merchant", "person", "terminal", "settlement_account", "outsourcer"])]
    pub subject_type: Option<String>,
    /// Only entries this reporter made (acquirer code or association).
    #[arg(long, value_name = "CODE")]
    pub reporter: Option<String>,
    /// How many entries to show (all when absent).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// `mhub blacklist approve | reject`.
#[derive(Debug, Args)]
pub struct BlacklistNoteArgs {
    /// Entry id.
    pub id: i64,
    /// Why, for the record (kept with who decided and when).
    #[arg(long, value_name = "TEXT", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub note: String,
}

/// `mhub blacklist remove`.
#[derive(Debug, Args)]
pub struct BlacklistRemoveArgs {
    /// Entry id.
    pub id: i64,
    /// Why it goes.
    #[arg(long, value_name = "REMOVAL", value_parser = ["appeal_upheld", "error"])]
    pub removal: String,
    /// Why, in words, for the record.
    #[arg(long, value_name = "TEXT", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub note: String,
}

/// The alert types of SPEC §5, in its order.
pub const ALERT_TYPES: [&str; 8] = [
    "one_person_many_merchants",
    "one_terminal_many_merchants",
    "shared_phone",
    "shared_settlement_account",
    "shared_photo",
    "location_mismatch",
    "terminal_relocated",
    "blacklist_hit",
];

/// `mhub feed …`.
#[derive(Debug, Subcommand)]
pub enum FeedCommand {
    /// Pull new feed events into a local mirror, verifying every one
    ///
    /// The mirror is one SQLite file (created 0600: it holds the token key).
    /// The first pull pins the hub's feed key; give --key-id, learnt from
    /// the association out of band, to refuse any other key. Later pulls
    /// refuse a changed key (feed_key_changed). Each event is checked
    /// against the mirror's chain (seq, previous hash, payload hash,
    /// signature) before it is stored, a page at a time: an interrupted
    /// pull resumes where it stopped. A refused event (feed_gap, feed_fork,
    /// feed_tampered, feed_bad_signature, feed_malformed) or a hub behind
    /// the mirror (feed_rewound) undoes the whole run, leaving the mirror
    /// as it was, and exits 1. With a subscriber (or admin) key the token
    /// key that `mhub feed screen` needs is stored too.
    ///
    /// Examples:
    ///   MHUB_KEY=mhub_… mhub feed pull --hub https://hub.example.org --mirror feed.mirror --key-id 3f2a9c0d5e8b7a61
    ///   mhub feed pull --mirror feed.mirror --json
    #[command(verbatim_doc_comment)]
    // The example URL is for --help, where a Markdown link would read badly.
    #[allow(rustdoc::bare_urls)]
    Pull(FeedPullArgs),
    /// Verify a mirror from its first event: chain and every signature
    ///
    /// Prints the head, the number of events and the active entries; exits
    /// 1 naming the first event that fails, with its code.
    ///
    /// Example:
    ///   mhub feed verify --mirror feed.mirror --json
    #[command(verbatim_doc_comment)]
    Verify(FeedMirrorArgs),
    /// Screen a batch against the mirror, offline
    ///
    /// BATCH is a merchants.jsonl, a merchants.csv or a .zip batch (SPEC §3).
    /// Identifiers are tokenised with the mirror's token key, the mirror is
    /// verified and replayed, and every record is screened as
    /// `mhub screen` does online: one result per record (with --json, the
    /// same JSON objects). Exit code 0 whenever the batch was screened, even
    /// with blocked records; 1 for an unreadable batch or a bad mirror.
    ///
    /// Example:
    ///   mhub feed screen --mirror feed.mirror prospects.jsonl --json
    #[command(verbatim_doc_comment)]
    Screen(FeedScreenArgs),
}

/// The mirror file of the `feed` commands.
#[derive(Debug, Args)]
pub struct FeedMirrorArgs {
    /// The mirror: a SQLite file, created by the first pull.
    #[arg(long, value_name = "FILE")]
    pub mirror: PathBuf,
}

/// `mhub feed pull`.
#[derive(Debug, Args)]
pub struct FeedPullArgs {
    /// Base URL of the hub to pull from [default: --url, i.e. MHUB_URL].
    #[arg(long, value_name = "URL")]
    pub hub: Option<Url>,
    /// The mirror file.
    #[command(flatten)]
    pub mirror: FeedMirrorArgs,
    /// The association key id (16 hex digits) to expect; refuse any other.
    #[arg(long, value_name = "HEX")]
    pub key_id: Option<String>,
    /// Events per request (1-10000).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub page: u64,
}

/// `mhub feed screen`.
#[derive(Debug, Args)]
pub struct FeedScreenArgs {
    /// The mirror file.
    #[command(flatten)]
    pub mirror: FeedMirrorArgs,
    /// merchants.jsonl, merchants.csv or a .zip batch.
    pub batch: PathBuf,
}

/// `mhub samples …`.
#[derive(Debug, Subcommand)]
pub enum SamplesCommand {
    /// Write deterministic sample batches, one folder per acquirer
    ///
    /// Besides the batches: planted cases, hard negatives, blacklist
    /// entries and their truth (truth.json).
    ///
    /// Example:
    ///   mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --photos --invalid-rows 5 --out ./samples
    #[command(verbatim_doc_comment)]
    Generate(SamplesGenerateArgs),
    /// Measure the hub's accuracy on generated data against its truth file
    ///
    /// Generates data as `mhub samples generate` does, starts a hub in this
    /// process on a fresh SQLite data directory, uploads every acquirer
    /// folder over HTTP, sends the terminal location reports, reports the
    /// sample blacklist.jsonl as one analyst and approves it as another (its
    /// retro screens raise blacklist_hit), lists every alert as an analyst,
    /// and compares the alerts with truth.json. Scoring:
    ///
    ///   - cases and alerts are grouped by (type, subtype); the subtype
    ///     (exact, linked) counts for one_person_many_merchants only;
    ///   - an alert is a true positive (TP) when its members, as a set,
    ///     equal the members of a planted case of the same group; an alert
    ///     with one merchant too many or too few is a false positive;
    ///   - a case is recalled when such an alert exists;
    ///   - precision = TP alerts / alerts, recall = recalled cases / cases,
    ///     F1 = their harmonic mean; – where undefined (no alerts, no cases);
    ///   - a hard-negative group is flagged when two or more of its members
    ///     are together in one one_person_many_merchants alert (any subtype).
    ///
    /// Prints one row per group found in the truth or in the alerts, the
    /// hard negatives flagged per kind, and the alerts that match no case
    /// (false positives) and the cases no alert matches, for debugging.
    /// A case type with no alert at all is named under the table.
    /// Exit code 0 whenever the evaluation ran, whatever the scores.
    ///
    /// Examples:
    ///   mhub samples evaluate
    ///   mhub samples evaluate --merchants 240 --acquirers 3 --seed 42 --json
    ///   mhub samples evaluate --photos --keep ./eval
    #[command(verbatim_doc_comment)]
    Evaluate(SamplesEvaluateArgs),
}

/// `mhub samples generate`. Absent values take the committed samples' settings.
#[derive(Debug, Args)]
pub struct SamplesGenerateArgs {
    /// Merchant rows in all, across acquirers [default: 240].
    #[arg(long, value_name = "N")]
    pub merchants: Option<usize>,
    /// Number of acquirers: folders ACQ01, ACQ02, … [default: 3].
    #[arg(long, value_name = "K")]
    pub acquirers: Option<usize>,
    /// Seed of every random choice: the same options write the same bytes [default: 42].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Also draw JPEG photos (storefront, interior); leave off for large runs.
    #[arg(long)]
    pub photos: bool,
    /// Rows with one deliberate mistake each, to see row errors [default: 8].
    #[arg(long, value_name = "N")]
    pub invalid_rows: Option<usize>,
    /// Output folder (created if missing; files of the same names are overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `mhub samples evaluate`.
#[derive(Debug, Args)]
pub struct SamplesEvaluateArgs {
    /// Merchant rows in all, across acquirers.
    #[arg(long, value_name = "N", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub merchants: u64,
    /// Number of acquirers: folders ACQ01, ACQ02, ….
    #[arg(long, value_name = "K", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=99))]
    pub acquirers: u64,
    /// Seed of every random choice: the same options give the same data.
    #[arg(long, value_name = "S", default_value_t = 7)]
    pub seed: u64,
    /// Also draw photos (and plant shared_photo cases); slower.
    #[arg(long)]
    pub photos: bool,
    /// Keep the generated data (DIR/samples), the hub's data directory
    /// (DIR/data) and its log in DIR, which must be new or empty; by default
    /// everything goes to a temporary folder, removed at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// `mhub bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Merchants to generate and ingest, across acquirers.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub merchants: u64,
    /// Number of acquirers sharing them (folders ACQ01, ACQ02, …).
    #[arg(long, value_name = "K", default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=98))]
    pub acquirers: u64,
    /// Merchants in the batch added afterwards for a new acquirer (ACQ K+1);
    /// about this many, as that acquirer's share of a separate generated
    /// run with K+1 acquirers and K+1 times this many merchants.
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub batch: u64,
    /// Search requests to time.
    #[arg(long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    pub searches: u64,
    /// Blacklist entries to list after the searches (0: skip the blacklist
    /// measures): built from stored merchants' identifiers, imported, and
    /// approved one by one; then --screens screens and a feed pull.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub entries: u64,
    /// Single-record screening requests to time (with --entries), also
    /// sent again 1,000 records per request.
    #[arg(long, value_name = "N", default_value_t = 1_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub screens: u64,
    /// Seed of the generated data.
    #[arg(long, value_name = "S", default_value_t = 7)]
    pub seed: u64,
    /// PostgreSQL URL of an empty database to measure instead of the
    /// embedded SQLite (never read from MHUB_DATABASE_URL, so a bench
    /// cannot write into a configured hub's database by accident).
    #[arg(long, value_parser = parse_secret, value_name = "URL")]
    pub database_url: Option<SecretString>,
    /// Keep the hub's data directory (and its log, bench.log) in DIR, which
    /// must be new or empty; by default it is temporary.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
}

/// `mhub demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Data directory of the demo hub.
    #[arg(long, value_name = "DIR", default_value = "mhub-data")]
    pub data_dir: PathBuf,
    /// Address to serve on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Folder with one sub-folder per acquirer (ACQ01/merchants.jsonl, …).
    #[arg(long, value_name = "DIR", default_value = "samples")]
    pub samples: PathBuf,
    /// Stop after printing the summary instead of serving until Ctrl-C.
    #[arg(long)]
    pub no_serve: bool,
}

/// An RFC 3339 time with any offset.
fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|error| format!("not an RFC 3339 time such as 2026-01-01T00:00:00Z ({error})"))
}

/// Wrap a flag value in a secret as soon as it is parsed, so `Debug` never prints it.
fn parse_secret(text: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(text))
}

impl HubArgs {
    /// Layer the configuration: defaults, the file, then these flags and
    /// variables (STYLE 13).
    pub fn settings(
        &self,
        listen: Option<SocketAddr>,
        log_format: Option<LogFormat>,
    ) -> anyhow::Result<Settings> {
        Settings::load(
            self.config.as_deref(),
            Overrides {
                data_dir: self.data_dir.clone(),
                listen,
                database_url: self.database_url.clone(),
                log_format,
            },
        )
        .context("loading the configuration")
    }
}

impl DemoArgs {
    /// The demo's hub settings: defaults with this data directory and address.
    pub fn settings(&self) -> Settings {
        Settings {
            data_dir: self.data_dir.clone(),
            listen: self.listen,
            ..Settings::default()
        }
    }
}
