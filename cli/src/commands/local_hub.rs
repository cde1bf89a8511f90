//! A hub running inside this process, for the commands that bring their
//! own: `mhub demo`, `mhub samples evaluate` and `mhub bench`.
//!
//! [`LocalHub::start`] builds the hub exactly as `mhub serve` does and
//! serves it on a background task; keys are created straight in its store
//! (no admin key needed), but everything else goes over HTTP with the same
//! [`Client`] and [`Uploader`] as `mhub upload`, so these commands measure
//! and show what a real client gets. [`find_samples`] lists the acquirer
//! folders of a `mhub samples generate` output; [`WorkDir`] is where a
//! command keeps generated data and a hub's data directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hub::auth::{self, IssuedKey, Role};
use hub::ingest::BatchResult;
use hub::{AppState, LogFormat, Settings};
use reqwest::Url;
use secrecy::SecretString;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::serve;
use crate::client::Client;
use crate::upload::{Plan, Source, Uploader};

/// Rows per batch when a sample's JSONL file is split (the `mhub upload` default).
const ROWS_PER_BATCH: u64 = 50_000;

/// A hub serving from a background task of this process.
pub struct LocalHub {
    /// `http://ADDR`.
    url: Url,
    /// The bound address.
    address: SocketAddr,
    /// The first admin key, if this start created it.
    admin_key: Option<IssuedKey>,
    /// The hub's state (store, linker, …), for creating keys and for
    /// in-process maintenance such as a rebuild.
    state: AppState,
    /// Which command runs the hub: recorded as the creator of its keys.
    purpose: &'static str,
    /// Completing it stops the server gracefully.
    stop: oneshot::Sender<()>,
    /// The serving task; it closes the store when it ends.
    server: JoinHandle<()>,
}

/// What [`LocalHub::list_blacklist`] did.
#[derive(Debug, Default)]
pub struct BlacklistOutcome {
    /// Entries approved by this run, with their retro screens.
    pub approved: Vec<crate::client::Approval>,
    /// Entries an earlier run already reported.
    pub duplicates: usize,
}

/// One acquirer's sample folder.
pub struct SampleAcquirer {
    /// Acquirer code: the folder's name.
    pub code: String,
    /// The folder.
    pub folder: PathBuf,
    /// What to upload.
    pub plan: Plan,
}

impl LocalHub {
    /// Build the hub from `settings` (binding its listener, as `mhub serve`
    /// does) and serve it in the background. `purpose` (`demo`, `bench`, …)
    /// labels the keys this hub hands out.
    pub async fn start(mut settings: Settings, purpose: &'static str) -> anyhow::Result<LocalHub> {
        // The tool is this hub's only caller, driving it as fast as it can
        // (the benchmarks measure exactly that): no per-key rate limit.
        settings.server.requests_per_second = 1_000_000;
        settings.server.request_burst = 1_000_000;
        let app = serve::build(settings).await?;
        let address = app.local_addr();
        let url = Url::parse(&format!("http://{address}")).context("the hub's URL")?;
        let admin_key = app.admin_key().cloned();
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Ok(LocalHub {
            url,
            address,
            admin_key,
            state,
            purpose,
            stop,
            server,
        })
    }

    /// The hub's base URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The admin key this start created, if the store had none.
    pub fn admin_key(&self) -> Option<&IssuedKey> {
        self.admin_key.as_ref()
    }

    /// The hub's state, shared with the serving task.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Create a key in the store, labelled with this hub's purpose.
    pub async fn create_key(
        &self,
        role: Role,
        acquirer: Option<&str>,
    ) -> anyhow::Result<IssuedKey> {
        let label = format!("mhub {}", self.purpose);
        auth::create_key(
            &self.state.store,
            role,
            acquirer,
            Some(&label),
            self.purpose,
        )
        .await
        .with_context(|| format!("creating the {}'s {} key", self.purpose, role.as_str()))
    }

    /// An HTTP client for this hub, authenticated with `key`.
    pub fn client(&self, key: &IssuedKey) -> anyhow::Result<Client> {
        // The tools act as the association's risk team.
        Ok(
            Client::new(self.url.clone(), SecretString::from(key.key.as_str()))?
                .with_purpose(Some("investigation".to_owned())),
        )
    }

    /// A new analyst key and a client using it, once the hub answers `/healthz`.
    pub async fn analyst(&self) -> anyhow::Result<(IssuedKey, Client)> {
        let key = self.create_key(Role::Analyst, None).await?;
        let client = self.client(&key)?;
        client
            .health()
            .await
            .with_context(|| format!("the {} hub does not answer /healthz", self.purpose))?;
        Ok((key, client))
    }

    /// Give `sample`'s acquirer a key and upload its folder over HTTP as
    /// `mhub upload` does; `on_batch` sees each batch result as the hub
    /// acknowledges it. `progress` lets the uploader draw its own bars.
    pub async fn upload(
        &self,
        sample: &SampleAcquirer,
        progress: bool,
        on_batch: impl FnMut(&BatchResult) -> anyhow::Result<()>,
    ) -> anyhow::Result<(IssuedKey, Client, Vec<BatchResult>)> {
        let key = self.create_key(Role::Acquirer, Some(&sample.code)).await?;
        let client = self.client(&key)?;
        let results = Uploader::new(&client, progress)
            .run(&sample.plan, on_batch)
            .await
            .with_context(|| format!("uploading {}", sample.plan.source.path().display()))?;
        Ok((key, client, results))
    }

    /// Report every entry of a sample `blacklist.jsonl` as one analyst and
    /// approve each new one as another (four eyes), so the sample entries
    /// become active and their retro alerts are raised. Each entry gets the
    /// external reference `samples:LINE` unless it has one, so a second run
    /// adds nothing.
    pub async fn list_blacklist(&self, file: &Path) -> anyhow::Result<BlacklistOutcome> {
        let mut entries = super::terminals::read_reports(file)?;
        for (i, entry) in entries.iter_mut().enumerate() {
            if entry.get("external_ref").is_none() {
                entry["external_ref"] = serde_json::json!(format!("samples:{}", i + 1));
            }
        }
        let (_, reporter) = self.analyst().await?;
        let (_, reviewer) = self.analyst().await?;
        let results = reporter.import_entries(&entries).await?;
        let mut outcome = BlacklistOutcome::default();
        for result in results {
            match (result.outcome.as_str(), result.id) {
                ("reported", Some(id)) => {
                    outcome
                        .approved
                        .push(reviewer.approve_entry(id, "sample entry").await?);
                }
                ("duplicate", _) => outcome.duplicates += 1,
                _ => anyhow::bail!(
                    "{}:{}: the hub refused the entry: {:?}",
                    file.display(),
                    result.line,
                    result.errors
                ),
            }
        }
        Ok(outcome)
    }

    /// Stop serving, let requests in flight finish, close the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await.context("the hub stopped abnormally")
    }

    /// Serve until Ctrl-C or SIGTERM; an unexpected end of the server is an
    /// error pointing at `log_path`.
    pub async fn serve_until_signal(mut self, log_path: &Path) -> anyhow::Result<()> {
        let shutdown = serve::shutdown_signal()?;
        tokio::select! {
            () = shutdown => self.stop().await,
            ended = &mut self.server => {
                ended.context("the hub stopped abnormally")?;
                bail!("the hub stopped unexpectedly; see {}", log_path.display());
            }
        }
    }
}

/// Send the hub's log lines to `path` (appended), keeping stdout for the
/// command's own output. The first call in a process wins.
pub fn log_to_file(path: &Path) -> anyhow::Result<()> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    hub::telemetry::init(LogFormat::Text, std::sync::Mutex::new(log));
    Ok(())
}

/// Acquirer folders in `root`: named like an acquirer code (`ACQ01`) and
/// holding a merchants file. Other folders are not batches and are skipped.
pub fn find_samples(root: &Path) -> anyhow::Result<Vec<SampleAcquirer>> {
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
        if path.is_dir() && auth::validate_acquirer_code(&code).is_ok() && has_merchants(&path) {
            samples.push(sample_acquirer(code, path)?);
        }
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

/// The folder of acquirer `code` under `root`, which must hold a merchants file.
pub fn sample_acquirer_in(root: &Path, code: &str) -> anyhow::Result<SampleAcquirer> {
    let path = root.join(code);
    if !has_merchants(&path) {
        bail!("{} holds no merchants file", path.display());
    }
    sample_acquirer(code.to_owned(), path)
}

fn has_merchants(folder: &Path) -> bool {
    ["merchants.jsonl", "merchants.csv"]
        .iter()
        .any(|name| folder.join(name).is_file())
}

fn sample_acquirer(code: String, folder: PathBuf) -> anyhow::Result<SampleAcquirer> {
    let plan = Plan {
        source: Source::of(&folder)?,
        all_or_nothing: false,
        rows_per_batch: ROWS_PER_BATCH,
    };
    Ok(SampleAcquirer { code, folder, plan })
}

/// Where a command keeps generated data and a hub's data directory: a
/// folder the user named (kept), or a temporary one removed at the end.
pub enum WorkDir {
    /// `--keep DIR`: left in place.
    Kept(PathBuf),
    /// Removed when dropped, unless [`WorkDir::keep_after_failure`] is called.
    Temporary(tempfile::TempDir),
}

impl WorkDir {
    /// `kept`, which must be missing or empty (so nothing of an earlier run
    /// is mixed in), or else a new temporary folder.
    pub fn new(kept: Option<&Path>, prefix: &str) -> anyhow::Result<WorkDir> {
        let Some(dir) = kept else {
            let temp = tempfile::Builder::new()
                .prefix(prefix)
                .tempdir()
                .context("creating a temporary folder")?;
            return Ok(WorkDir::Temporary(temp));
        };
        ensure_empty(dir)?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(WorkDir::Kept(dir.to_owned()))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        match self {
            WorkDir::Kept(path) => path,
            WorkDir::Temporary(temp) => temp.path(),
        }
    }

    /// After a failure, keep a temporary folder for inspection and say
    /// where it is on stderr; a kept folder is already kept.
    pub fn keep_after_failure(self) {
        let path = match self {
            WorkDir::Kept(path) => path,
            WorkDir::Temporary(temp) => temp.keep(),
        };
        eprintln!("the data and the hub's log are in {}", path.display());
    }
}

/// Refuse a folder that exists and holds anything.
pub fn ensure_empty(dir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty: name a new or empty folder, so no earlier data is mixed in",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("reading {}", dir.display())),
    }
}
