//! Command-line syntax: clap structs whose doc comments are the `--help`.
//!
//! This is the first of two parsing stages (STYLE 22): clap checks the
//! shapes of flags here; each command then turns its arguments into a
//! validated plan ([`HubArgs::settings`], the binary's `upload::Plan` and
//! `commands::Context`) before anything runs.
//!
//! Every command has a one-line `about` (the doc comment's first line), a
//! `long_about` (the rest: what it does, when to use it) and an
//! `after_long_help` with worked examples, exit codes and the environment.
//! `mhub -h` and `mhub CMD -h` stay short; `--help` and `mhub help CMD`
//! print everything. The tests walk this tree: a command without an
//! `Examples:` section, or an example clap does not parse, fails them.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use hub::auth::Role;
use hub::{LogFormat, Overrides, Settings};
use reqwest::Url;
use secrecy::SecretString;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The environment of every command that talks to a hub over HTTP.
macro_rules! http_env {
    () => {
        "\n\nEnvironment:
  MHUB_URL      base URL of the hub, as --url [default: http://127.0.0.1:8080]
  MHUB_KEY      API key (mhub_…), as --key; keep it out of shell history
  MHUB_PURPOSE  onboarding, periodic_review or investigation, as --purpose: sent as the
                Mhub-Purpose header and kept in the audit log (reads of merchant data
                are refused without one)"
    };
}

/// The exit codes of a command whose only failure is the hub's refusal.
macro_rules! http_exit {
    () => {
        "\n\nExit codes:
  0  done
  1  the hub refused the request or could not be reached (the error is on stderr)
  2  usage error"
    };
}

/// The environment of the commands that open a data directory themselves.
macro_rules! local_env {
    () => {
        "\n\nEnvironment:
  MHUB_CONFIG        TOML configuration file, as --config
  MHUB_DATA_DIR      data directory, as --data-dir [default: ./mhub-data]
  MHUB_DATABASE_URL  PostgreSQL URL, as --database-url; SQLite in the data directory
                     without it"
    };
}

/// mhub: the merchant onboarding and blacklist sharing hub
///
/// Acquirers upload merchant batches and screen prospective merchants;
/// association analysts search, triage alerts and review the shared
/// blacklist; member institutions pull the signed blacklist feed and
/// screen offline. This one binary runs the hub (`serve`, `init`, `demo`),
/// runs one of its own to measure it (`samples evaluate`, `bench`), works
/// on its store directly (`reindex`) and talks to one over HTTP
/// (everything else).
///
/// Tables are printed for people; `--json` prints JSON for scripts (one
/// object per line where there are many). `mhub help COMMAND` or `mhub
/// COMMAND --help` describes a command with examples; `-h` is the short
/// form.
#[derive(Debug, Parser)]
#[command(
    name = "mhub",
    version,
    propagate_version = true,
    max_term_width = 100,
    verbatim_doc_comment,
    after_long_help = concat!(
        "Examples:
  # run a hub on SQLite in ./mhub-data, then create an acquirer's key with the admin key
  mhub init --data-dir ./mhub-data --json
  mhub serve --data-dir ./mhub-data --listen 127.0.0.1:8080
  MHUB_KEY=mhub_0123456789ab_secret mhub keys create --role acquirer --acquirer ACQ01 --json",
        "\n\nExit codes:
  0  done
  1  the command failed: the hub refused the request, a file was unreadable, a check found a
     break (each command's --help says which)
  2  usage error",
        http_env!()
    )
)]
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
    /// Why you read merchant data: sent as Mhub-Purpose and audited.
    ///
    /// Sent as the Mhub-Purpose header and kept in the hub's audit log
    /// (SPEC §9): shared risk data is for anti-fraud use only. Searches,
    /// merchant, person, alert, photo and blacklist reads are refused
    /// without one; `mhub screen` defaults to onboarding.
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
    /// Opens the data directory (creating it, its secrets and the database
    /// on first start), applies any pending database migrations, catches
    /// the search index up with the store, and serves the HTTP API. Use it
    /// to run the hub as a service; on PostgreSQL several `serve` processes
    /// may share one database.
    ///
    /// Prints `mhub listening on http://ADDR` as its first line on stdout
    /// (with the real port when --listen asks for port 0), then the first
    /// admin key if this start created it. Logs go to stderr. TLS, limits
    /// and timeouts come from the configuration file (docs/operations.md).
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub serve --data-dir ./mhub-data --listen 127.0.0.1:8080
  mhub serve --config /etc/mhub/mhub.toml --log-format json
  MHUB_DATABASE_URL=postgres://mhub@db.internal/mhub mhub serve --data-dir /var/lib/mhub --listen 0.0.0.0:8443",
            "

Exit codes:
  0  stopped by Ctrl-C or SIGTERM after finishing the requests in flight
  1  could not start: bad configuration, unreadable secrets, database unreachable, port taken
  2  usage error",
            local_env!(),
            "
  MHUB_LISTEN        address to listen on, as --listen
  MHUB_LOG_FORMAT    text or json, as --log-format"
        )
    )]
    Serve(ServeArgs),
    /// Prepare a data directory and print the first admin key
    ///
    /// Creates the data directory, its secrets (secrets/token.key and
    /// secrets/signing.key, mode 0600) and the database, and the first
    /// admin key when none exists. Run it once when you set up a hub, then
    /// `mhub serve`. Keys are shown once: a second init prints null and
    /// still succeeds.
    ///
    /// With --json: `{"admin_key": "..."}`.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub init --data-dir ./mhub-data --json
  mhub init --data-dir /var/lib/mhub --database-url postgres://mhub@db.internal/mhub --json",
            "

Exit codes:
  0  initialised, or already initialised (the key is then null)
  1  the directory, secrets or database could not be created or opened
  2  usage error",
            local_env!()
        )
    )]
    Init(InitArgs),
    /// Create, list, revoke and rotate API keys
    ///
    /// Every caller of the hub holds an API key with one role: acquirer
    /// (bound to one acquirer code), analyst, admin or subscriber. Only
    /// an admin key creates, lists and revokes keys; every key may rotate
    /// itself. A key is shown once, when it is created or rotated.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub keys create --role acquirer --acquirer ACQ01 --json
  mhub keys list
  mhub keys rotate 0123456789ab --grace 86400 --json",
            http_exit!(),
            http_env!()
        )
    )]
    Keys(KeysCommand),
    /// Read and verify the hub's audit log
    ///
    /// Every read of merchant data, screen, alert view, upload, blacklist
    /// change and key change is recorded before it is answered: who, when,
    /// from where, why (the purpose) and what. Use `audit list` to answer
    /// "who looked at this?" and `audit verify` to check that nobody edited
    /// the log (a signed hash chain).
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub audit list --action merchant.read --since 2026-12-01T00:00:00+08:00
  mhub audit verify",
            http_exit!(),
            http_env!()
        )
    )]
    Audit(AuditCommand),
    /// Upload a merchant batch as the acquirer the key belongs to
    ///
    /// PATH is a merchants.jsonl file, a merchants.csv file, a .zip batch,
    /// or a folder holding merchants.jsonl or merchants.csv (+ terminals.csv)
    /// and optionally photos/ (zipped on the fly). JSONL files with more
    /// rows than --rows-per-batch are sent as consecutive batches; an
    /// interrupted upload resumes where it stopped when run again. The same
    /// bytes sent twice are stored once: the second answer is the first
    /// result, replayed. Use it for an acquirer's regular (daily, say)
    /// export of its merchant book; docs/batch-format.md has every field.
    ///
    /// With --json: the batch result, with at least batch_id, accepted,
    /// rejected, the row errors and the alerts raised.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  # an acquirer's nightly export, photos included (the folder is zipped on the fly)
  MHUB_KEY=mhub_0123456789ab_secret mhub upload samples/ACQ01 --json
  # the CSV pair: merchants.csv and terminals.csv in one folder
  mhub upload exports/2026-12-01/ --json
  # nothing is stored if any row is bad
  mhub upload merchants.jsonl --all-or-nothing

Exit codes:
  0  the hub stored the batch (or replayed it), even if some rows were rejected: the result
     lists them
  1  the hub refused the batch (all-or-nothing with bad rows, a bad zip, a wrong key…), or
     the file could not be read
  2  usage error",
            http_env!()
        )
    )]
    Upload(UploadArgs),
    /// List uploaded batches and show their results
    ///
    /// Every upload is a batch with an id and a stored result: counts,
    /// row errors and warnings, the alerts it raised. Use it to check what
    /// an upload did after the fact, or to fetch every row error of a
    /// large batch. An acquirer key sees its own batches; analysts and
    /// admins see all.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub batches list --limit 20
  mhub batches show 12 --issues --json",
            http_exit!(),
            http_env!()
        )
    )]
    Batches(BatchesCommand),
    /// Show and find merchants as the hub stores them
    ///
    /// The hub keeps identity, phone and account numbers only as tokens
    /// and masked forms; names and addresses in clear. An acquirer reads
    /// its own merchants in full; another acquirer's appear masked. Reads
    /// need a purpose (--purpose or MHUB_PURPOSE) and are audited.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub merchants search 110105194912310021 --purpose investigation
  mhub merchants show 898440358120001 --acquirer ACQ01 --versions",
            http_exit!(),
            http_env!()
        )
    )]
    Merchants(MerchantsCommand),
    /// Every merchant behind one person, across acquirers
    ///
    /// Starts from one merchant and follows its legal representative's
    /// document, and the nominees tied to it by linked alerts, to every
    /// merchant at every acquirer. Use it when an alert or a screen points
    /// at a person and you want the whole picture.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub people show 898440358120001 --purpose investigation",
            http_exit!(),
            http_env!()
        )
    )]
    People(PeopleCommand),
    /// List, show, confirm and dismiss the alerts the hub raised
    ///
    /// The hub raises an alert when matching across acquirers finds a case
    /// (SPEC §5): one person or one terminal behind many merchants, shared
    /// phones, accounts or photos, location mismatches, relocated
    /// terminals, blacklist hits. Analysts triage them; acquirers see the
    /// alerts that involve their own merchants.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub alerts list --type one_person_many_merchants --status open
  mhub alerts show 42
  mhub alerts dismiss 42 --reason \"spouses sharing a phone, checked\"",
            http_exit!(),
            http_env!()
        )
    )]
    Alerts(AlertsCommand),
    /// Report where terminals were seen; relocated terminals raise alerts
    ///
    /// Acquirers send the locations their terminals report (GPS, with the
    /// time seen); a terminal far from where its merchant was verified
    /// raises a terminal_relocated alert (移机).
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  MHUB_KEY=mhub_0123456789ab_secret mhub terminals report samples/terminal_locations/ACQ01.jsonl",
            "

Exit codes:
  0  every report was stored
  1  a report was refused (each has its own result), or the hub refused the request
  2  usage error",
            http_env!()
        )
    )]
    Terminals(TerminalsCommand),
    /// The shared blacklist: report, review, remove, and read entries
    ///
    /// Acquirers (and analysts) report entries with evidence; an analyst
    /// with another key approves or rejects each one; approved entries
    /// are published in the signed feed, block onboarding screens, and
    /// re-screen every stored merchant at once. Nothing is deleted: every
    /// transition is kept with who, when and why (docs/blacklist.md).
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  MHUB_KEY=mhub_0123456789ab_secret mhub blacklist report --file samples/blacklist.jsonl --json
  mhub blacklist list --status reported
  mhub blacklist approve 12 --note \"公安机关协查函核实\"",
            http_exit!(),
            http_env!()
        )
    )]
    Blacklist(BlacklistCommand),
    /// Screen prospective merchants against the blacklist
    ///
    /// Use it before onboarding a merchant (purpose onboarding, the
    /// default here) or in a periodic review of your book. FILE is a batch
    /// in the upload format (merchants.jsonl, merchants.csv or a .zip;
    /// photos are not needed). Every record is answered clear, review or
    /// blocked, with the entries it matches, a match code per field (exact
    /// | partial | none, with the similarity) and how many stored merchants
    /// already share its people and identifiers. The hub keeps each screen
    /// for the retention period (360 days): an entry approved later raises
    /// a retro alert to the screening acquirer. Records go 1,000 per request.
    ///
    /// With --json: one object per record, with at least line, merchant_id,
    /// decision and hits.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub screen prospects.jsonl
  mhub screen prospects.csv --purpose periodic_review --json

Exit codes:
  0  every record was screened, whatever the decisions (they are the answer)
  1  the hub refused the request, or the file is unreadable
  2  usage error",
            http_env!()
        )
    )]
    Screen(ScreenArgs),
    /// Mirror the signed blacklist feed locally and screen against it offline
    ///
    /// For member institutions (subscriber keys): `feed pull` copies the
    /// association's signed feed of blacklist changes into a local mirror
    /// file, checking every signature and the hash chain; `feed screen`
    /// then screens batches with no network, exactly as the hub would.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  MHUB_KEY=mhub_0123456789ab_secret mhub feed pull --mirror bl.mirror
  mhub feed verify --mirror bl.mirror
  mhub feed screen --mirror bl.mirror prospects.jsonl --json",
            "

Exit codes:
  0  done
  1  the hub refused, the feed failed verification (the mirror is left as it was), or the
     mirror or batch is unreadable
  2  usage error",
            http_env!()
        )
    )]
    Feed(FeedCommand),
    /// Generate realistic sample batches with planted cases; score the hub against them
    ///
    /// `samples generate` writes synthetic acquirer batches (valid but
    /// nobody's identifiers) with planted fraud cases, hard negatives and
    /// their truth file; `samples evaluate` runs a hub on such data and
    /// measures precision and recall per case type. No hub or key needed.
    #[command(
        subcommand,
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --out ./samples
  mhub samples evaluate --merchants 20000

Exit codes:
  0  done
  1  the files could not be written, or the evaluation could not run
  2  usage error"
    )]
    Samples(SamplesCommand),
    /// Run the whole thing: serve, create keys, upload the samples, explain
    ///
    /// Opens the data directory, starts the hub in this process, creates one
    /// acquirer key per sample folder (ACQ01, ACQ02, …) and an analyst key,
    /// uploads every folder, prints what happened and commands to try, then
    /// keeps serving until Ctrl-C. Use it to see the hub work in a minute;
    /// running it again on the same data directory replays the uploads.
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub demo
  mhub demo --data-dir /tmp/mhub-demo --listen 127.0.0.1:9090 --samples ./samples --no-serve

Exit codes:
  0  stopped by Ctrl-C (or, with --no-serve, after the summary)
  1  the hub could not start or an upload failed
  2  usage error"
    )]
    Demo(DemoArgs),
    /// Rebuild the search index, fuzzy links and alerts from the store, in this process
    ///
    /// Opens the data directory and database directly (no HTTP, no key),
    /// rebuilds the candidate index and fuzzy links, runs detection over
    /// every stored merchant in one transaction, and prints how many
    /// merchants it read and each alert it raised, grew or reopened. No
    /// changes means the stored alerts already equal a full rebuild:
    /// incremental matching missed nothing. Alerts already right are left
    /// untouched, so analysts' decisions stay. Use it after restoring a
    /// backup without its index/ folder, or to check incremental matching.
    ///
    /// It can run while hubs serve on the same PostgreSQL database. On
    /// SQLite it can run next to a hub on the same data directory, waiting
    /// for the database's writer lock while the hub writes.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub reindex --data-dir ./mhub-data
  mhub reindex --database-url postgres://mhub@db.internal/mhub --data-dir /var/lib/mhub --json",
            "

Exit codes:
  0  rebuilt (whether or not anything changed)
  1  the data directory or database could not be opened, or the rebuild failed
  2  usage error",
            local_env!()
        )
    )]
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
    /// With --entries, also the blacklist: import, approvals, screening
    /// latency and a feed pull. Generation time is reported but not part
    /// of any measure. Progress goes to stderr, the report to stdout (one
    /// JSON object with --json). SPEC §12 asks for figures at 100,000 and
    /// 1,000,000 merchants, with the machine's core count (reported). Use
    /// a release build; docs/performance.md has the figures.
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub bench --merchants 100000
  mhub bench --merchants 100000 --acquirers 12 --batch 10000 --searches 500 --entries 10000 --screens 1000 --json

Exit codes:
  0  measured
  1  the run failed (the hub, an upload or a request)
  2  usage error"
    )]
    Bench(BenchArgs),
    /// Print a shell completion script for bash, zsh or fish
    ///
    /// Writes to stdout a script that completes mhub's commands, flags and
    /// their fixed values in your shell. Generated from the same definitions
    /// that parse the command line, so it matches this mhub exactly; run it
    /// again after an upgrade.
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  # bash: print the script, or install it for every new shell
  mhub completions bash
  mhub completions bash > ~/.local/share/bash-completion/completions/mhub
  # zsh: into a folder on $fpath; fish: into its completions folder
  mhub completions zsh > ~/.zfunc/_mhub
  mhub completions fish > ~/.config/fish/completions/mhub.fish

In bash, `source <(mhub completions bash)` loads it into the running shell.

Exit codes:
  0  printed
  2  usage error (an unknown shell)"
    )]
    Completions(CompletionsArgs),
}

/// `mhub completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to write the script for.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells `mhub completions` writes for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    /// GNU bash.
    Bash,
    /// The Z shell.
    Zsh,
    /// The friendly interactive shell.
    Fish,
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
    /// Use it to give a system or a person access: an acquirer's
    /// onboarding system (role acquirer, bound to its code with
    /// --acquirer), a risk analyst, another admin, or a member institution
    /// that pulls the feed (subscriber). The secret is printed once and
    /// only its hash is stored: hand it over at once.
    ///
    /// With --json: `{"key": "...", "key_id": "...", "role": "...", ...}`.
    /// Needs an admin key.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub keys create --role acquirer --acquirer ACQ01 --label \"ACQ01 batch upload\" --json
  mhub keys create --role analyst --label \"risk team: Li Na\"
  mhub keys create --role subscriber --label \"Bank of Example feed mirror\" --json",
            http_exit!(),
            http_env!()
        )
    )]
    Create(KeysCreateArgs),
    /// List every key (never the secrets)
    ///
    /// Shows each key's id, role, acquirer, label, when it was created and
    /// whether it was revoked or rotated (and when it expires). Use it to
    /// find the id of a key to rotate or revoke. Needs an admin key.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub keys list
  mhub keys list --json",
            http_exit!(),
            http_env!()
        )
    )]
    List,
    /// Revoke a key by its id; requests with it fail from now on
    ///
    /// Use it when a key leaked or its holder left: from now on the key is
    /// refused with 401 key_revoked. To replace a key without an outage,
    /// rotate it instead. Needs an admin key.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub keys revoke 0123456789ab",
            http_exit!(),
            http_env!()
        )
    )]
    Revoke {
        /// The key id (the 12 hex digits after `mhub_`).
        key_id: String,
    },
    /// Replace a key by a new one of the same role and acquirer (shown once)
    ///
    /// The old key keeps working for --grace seconds, so its holder can
    /// deploy the new one first; then it is refused with key_expired. An
    /// admin key rotates any key; every key may rotate itself, so an
    /// acquirer rotates on its own schedule. Check with `mhub audit list
    /// --key-id OLD` that the old key is no longer used.
    ///
    /// With --json: the new key and the old key's expiry.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  # an acquirer's own key, with a day to deploy the new one
  MHUB_KEY=mhub_0123456789ab_secret mhub keys rotate 0123456789ab --grace 86400 --json
  # the old key stops at once
  mhub keys rotate 0123456789ab --grace 0",
            http_exit!(),
            http_env!()
        )
    )]
    Rotate {
        /// The key id (the 12 hex digits after `mhub_`).
        key_id: String,
        /// Seconds the old key keeps working (at most 30 days; 0 ends it now).
        #[arg(long, value_name = "SECS", default_value_t = 86_400)]
        grace: u64,
    },
    /// Rotate the network token key, in this process, with every hub stopped
    ///
    /// Adds a generation to secrets/token.key and re-tokenises every stored
    /// identity, phone and account token under it in one transaction,
    /// without the raw values: each token is wrapped by the new generation.
    /// Every active blacklist entry is published again with its new tokens,
    /// then the candidate index and the alerts are rebuilt and compared with
    /// the stored ones (a change would be a bug: the exit code is then 1).
    /// Run it on the data directory's machine, with no hub serving the
    /// database; copy the new secrets/token.key to every other hub on the
    /// same PostgreSQL before starting them (a hub with the old key refuses
    /// to start). Subscribers get the new key with their next `mhub feed
    /// pull`. See docs/security.md, "The token key".
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub keys rotate-token-key --data-dir /var/lib/mhub
  mhub keys rotate-token-key --data-dir /var/lib/mhub --database-url postgres://mhub@db.internal/mhub --json",
            "

Exit codes:
  0  rotated, and the rebuild changed no alert
  1  refused (a hub serves the directory, the key does not match the database) or failed;
     or rotated but the rebuild changed an alert (a token the rotation missed)
  2  usage error",
            local_env!()
        )
    )]
    RotateTokenKey(RotateTokenKeyArgs),
}

/// `mhub keys rotate-token-key`.
#[derive(Debug, Args)]
pub struct RotateTokenKeyArgs {
    /// Data directory, database and configuration file.
    #[command(flatten)]
    pub hub: HubArgs,
}

/// `mhub audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first
    ///
    /// Each event says who (key, role, acquirer), from where (the peer's
    /// address), why (the purpose), what (action and target), and what the
    /// hub answered. Analysts and admins read every event; an acquirer key
    /// reads its own acquirer's keys' events only. Reading the log is
    /// itself logged. Shows one page of --limit events; pass the last seq
    /// as --before for the next.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  # who searched this week (an analyst's review of reads)
  mhub audit list --action search --since 2026-12-01T00:00:00+08:00
  # is the old key still in use after a rotation?
  mhub audit list --key-id 0123456789ab --json
  mhub audit list --acquirer ACQ02 --before 1200 --limit 500",
            http_exit!(),
            http_env!()
        )
    )]
    List(AuditListArgs),
    /// Walk the whole hash chain and check every signature (analyst or admin)
    ///
    /// Each event carries the hash of the one before and a signature by
    /// the hub's signing key: an edited, inserted or deleted event breaks
    /// the chain at its seq. Run it regularly (daily, say) and after
    /// restoring a backup.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub audit verify
  mhub audit verify --json

Exit codes:
  0  the chain is whole
  1  a break was found (its seq and reason are printed), or the hub refused the request
  2  usage error",
            http_env!()
        )
    )]
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
    /// One row per batch: id, acquirer, format, rows, accepted, rejected,
    /// when. Use it to see whether last night's upload arrived.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub batches list --limit 20
  mhub batches list --json",
            http_exit!(),
            http_env!()
        )
    )]
    List {
        /// How many batches to show (all when absent).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
        limit: Option<u64>,
    },
    /// Show one batch's result, or with --issues every row error and warning
    ///
    /// The result is what the upload answered: counts, the first row
    /// errors and warnings, the alerts raised. A result lists at most
    /// 1,000 issues; --issues pages through all of them, to fix and resend
    /// the rejected rows.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub batches show 12
  mhub batches show 12 --issues --json",
            http_exit!(),
            http_env!()
        )
    )]
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
    /// The record as stored: names and addresses in clear, identity,
    /// phone and account numbers as masks, the terminals, photos and
    /// verification findings. --versions lists every version the
    /// acquirer's uploads made. An acquirer reads its own merchants;
    /// analysts any, naming the acquirer.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub merchants show 898440358120001
  mhub merchants show 898440358120001 --acquirer ACQ02 --versions --purpose periodic_review",
            http_exit!(),
            http_env!()
        )
    )]
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
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub merchants search 11010519491231002X
  mhub merchants search \"+86 138-0013-8000\" --json
  mhub merchants search \"SN: N5-000001\"
  mhub merchants search 老王烟酒 --limit 5
  mhub merchants search \"建设路五十七号\"",
            http_exit!(),
            http_env!()
        )
    )]
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
    /// refused one stores nothing. Send them as your terminal management
    /// system collects them (hourly or daily). Needs an acquirer key.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  MHUB_KEY=mhub_0123456789ab_secret mhub terminals report samples/terminal_locations/ACQ01.jsonl
  mhub terminals report seen.jsonl --json",
            "

Exit codes:
  0  every report was stored
  1  a report was refused (each has its own result), or the hub refused the request
  2  usage error",
            http_env!()
        )
    )]
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
    /// alerts, those alerts, and how many acquirers are involved. An
    /// acquirer sees other acquirers' merchants masked.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub people show 898440358120001
  mhub people show 102610175420001 --acquirer ACQ02 --json",
            http_exit!(),
            http_env!()
        )
    )]
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
    /// numbers left out. Use it for the analyst's work queue (--status
    /// open) or an acquirer's daily pull of what concerns it (--since).
    ///
    /// With --json: one alert per line, with at least id, type, subtype,
    /// members ([{"acquirer", "merchant_id"}]), score and status.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub alerts list --status open
  mhub alerts list --type one_person_many_merchants --since 2026-01-01T00:00:00Z --json
  mhub alerts list --acquirer ACQ02 --limit 20",
            http_exit!(),
            http_env!()
        )
    )]
    List(AlertsListArgs),
    /// Show one alert: members, evidence and history
    ///
    /// The evidence says which fields matched (masked values, similarity
    /// scores, the explanation of each fuzzy link); the history says who
    /// confirmed, dismissed or reopened it, and why.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub alerts show 42
  mhub alerts show 42 --json --purpose investigation",
            http_exit!(),
            http_env!()
        )
    )]
    Show {
        /// Alert id.
        id: i64,
    },
    /// Confirm an alert: the finding is real (analyst or admin key)
    ///
    /// Records who confirmed it, when and why; the acquirers concerned
    /// see the decision. Prints the updated alert.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub alerts confirm 42 --reason \"same controller, confirmed by phone interview\"",
            http_exit!(),
            http_env!()
        )
    )]
    Confirm(AlertsDecisionArgs),
    /// Dismiss an alert: not a risk (analyst or admin key)
    ///
    /// The dismissal is remembered: the same members with the same evidence
    /// do not raise the alert again; new evidence reopens it. Prints the
    /// updated alert.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub alerts dismiss 42 --reason \"family business, verified on site\"",
            http_exit!(),
            http_env!()
        )
    )]
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
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist report --subject-type terminal --sn 2Q921947361552 --reason skimming --penalty terminate --evidence \"改装终端，已回收\"
  mhub blacklist report --file samples/blacklist.jsonl --json

Exit codes:
  0  every entry was reported (or was a duplicate of one already reported)
  1  an entry was invalid (each line has its result), or the hub refused the request
  2  usage error",
            http_env!()
        )
    )]
    Report(Box<BlacklistReportArgs>),
    /// List entries, newest first
    ///
    /// Members see active and removed entries and their own reports;
    /// analysts see all, so `--status reported` is their review queue.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist list --status active
  mhub blacklist list --status reported --json
  mhub blacklist list --subject-type terminal --reporter ACQ01 --limit 50",
            http_exit!(),
            http_env!()
        )
    )]
    List(BlacklistListArgs),
    /// Show one entry with its transitions
    ///
    /// The subject (tokens and masks), reason, penalty, expiry, evidence
    /// (for analysts and the reporter), and every transition.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist show 12
  mhub blacklist show 12 --json",
            http_exit!(),
            http_env!()
        )
    )]
    Show {
        /// Entry id.
        id: i64,
    },
    /// Approve a reported entry: it becomes active and is published (analyst key)
    ///
    /// Every stored merchant of every acquirer and every screen of the
    /// retention period is screened against it at once; what it finds is a
    /// blacklist_hit alert. The approving key must not be the reporting one.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist approve 12 --note \"公安机关协查函核实\"
  mhub blacklist approve 12 --note \"confirmed with the reporting acquirer\" --json",
            http_exit!(),
            http_env!()
        )
    )]
    Approve(BlacklistNoteArgs),
    /// Reject a reported entry (analyst key)
    ///
    /// The entry is never published; the reporter sees the note.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist reject 12 --note \"证据不足\"",
            http_exit!(),
            http_env!()
        )
    )]
    Reject(BlacklistNoteArgs),
    /// Remove an active entry: appeal upheld, or listed in error (analyst key)
    ///
    /// The removal is published; the entry and its history stay. Expiry is
    /// the hub's own (it removes lapsed entries by itself).
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist remove 12 --removal appeal_upheld --note \"申诉成立，复核无套现\"
  mhub blacklist remove 12 --removal error --note \"wrong terminal SN reported\"",
            http_exit!(),
            http_env!()
        )
    )]
    Remove(BlacklistRemoveArgs),
    /// Show who moved an entry from status to status, when and why
    ///
    /// Use it to answer an appeal or an audit question about one entry.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  mhub blacklist history 12
  mhub blacklist history 12 --json",
            http_exit!(),
            http_env!()
        )
    )]
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
    /// as it was. With a subscriber (or admin) key the token key that
    /// `mhub feed screen` needs is stored too. Run it on a schedule (every
    /// few minutes) to keep the mirror current.
    #[command(
        verbatim_doc_comment,
        after_long_help = concat!(
            "Examples:
  MHUB_KEY=mhub_0123456789ab_secret mhub feed pull --hub https://hub.example.org --mirror feed.mirror --key-id 3f2a9c0d5e8b7a61
  mhub feed pull --mirror feed.mirror --json

Exit codes:
  0  the mirror is up to date with the hub
  1  an event was refused (the mirror is left as it was), the hub refused the request, or the
     mirror is unreadable
  2  usage error",
            http_env!()
        )
    )]
    Pull(FeedPullArgs),
    /// Verify a mirror from its first event: chain and every signature
    ///
    /// Prints the head, the number of events and the active entries. Use
    /// it after restoring or copying a mirror file; `feed screen` checks
    /// the mirror the same way before it screens.
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub feed verify --mirror feed.mirror
  mhub feed verify --mirror feed.mirror --json

Exit codes:
  0  the mirror verifies
  1  an event fails (its seq and code are printed), or the mirror is unreadable
  2  usage error"
    )]
    Verify(FeedMirrorArgs),
    /// Screen a batch against the mirror, offline
    ///
    /// BATCH is a merchants.jsonl, a merchants.csv or a .zip batch (SPEC §3).
    /// Identifiers are tokenised with the mirror's token key, the mirror is
    /// verified and replayed, and every record is screened as
    /// `mhub screen` does online: one result per record (with --json, the
    /// same JSON objects). No network and no key: a member screens its own
    /// prospects without sending them to the hub.
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub feed screen --mirror feed.mirror prospects.jsonl
  mhub feed screen --mirror feed.mirror prospects.jsonl --json

Exit codes:
  0  the batch was screened, even with blocked records
  1  the batch is unreadable, or the mirror fails verification or has no token key
  2  usage error"
    )]
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
    /// Besides the batches: terminal location reports, planted cases, hard
    /// negatives, blacklist entries and their truth (truth.json). The same
    /// options always write the same bytes. Use it to try the hub, or to
    /// make test data of a size you choose (no hub needed).
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub samples generate --merchants 2000 --acquirers 3 --seed 7 --photos --invalid-rows 5 --out ./samples
  mhub samples generate --merchants 240 --acquirers 3 --seed 42 --photos --out samples

Exit codes:
  0  written
  1  the folder could not be written
  2  usage error"
    )]
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
    #[command(
        verbatim_doc_comment,
        after_long_help = "Examples:
  mhub samples evaluate
  mhub samples evaluate --merchants 240 --acquirers 3 --seed 42 --json
  mhub samples evaluate --photos --keep ./eval

Exit codes:
  0  the evaluation ran, whatever the scores
  1  it could not run (generation, the hub, an upload)
  2  usage error"
    )]
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
