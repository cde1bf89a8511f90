//! Building and running the service.
//!
//! [`App::build`] does everything that can fail before the first request:
//! prepare the data directory, load or create the secrets, connect to the
//! store and migrate it, create the first admin key, and bind the listener.
//! Only then does [`App::run_until_stopped`] serve; so when `/healthz`
//! answers, the hub is ready. Tests build with port 0 and read [`App::port`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use ed25519_dalek::SigningKey;
use matcher::TokenKey;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;

use crate::audit::AuditLog;
use crate::auth::{self, IssuedKey, RateLimiter};
use crate::blacklist::Blacklist;
use crate::config::{Limits, ServerPolicy, Settings};
use crate::data_dir::DataDir;
use crate::ingest::{Ingestor, PhotoStore};
use crate::linking::{LinkError, Linker};
use crate::metrics::Metrics;
use crate::screening::{OnlineScreening, ReplicaHandle};
use crate::store::{PoolSettings, Schema, Store};
use crate::verify::PhotoMatcher;

/// What every request handler may use.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Key for tokens of sensitive values.
    pub token_key: Arc<TokenKey>,
    /// The association's feed signing key.
    pub signing_key: Arc<SigningKey>,
    /// Paths inside the data directory.
    pub data_dir: DataDir,
    /// Photos by content hash.
    pub photos: PhotoStore,
    /// Upload limits.
    pub limits: Arc<Limits>,
    /// Batch ingest, wired to the store, token key and photo folder.
    pub ingestor: Ingestor,
    /// The fuzzy linker and its candidate index.
    pub linker: Linker,
    /// The near-duplicate photo search.
    pub photos_index: PhotoMatcher,
    /// Location check tolerances.
    pub location: matcher::LocationPolicy,
    /// The blacklist: reports, reviews, the feed.
    pub blacklist: Blacklist,
    /// Screening of prospective merchants.
    pub screening: OnlineScreening,
    /// Who read or changed what, and why.
    pub audit: AuditLog,
    /// Requests per key.
    pub rate_limiter: Arc<RateLimiter>,
    /// Refused authentication attempts per peer address.
    pub failed_auth_limiter: Arc<RateLimiter>,
    /// Timeouts and TLS.
    pub server: Arc<ServerPolicy>,
    /// How often the blacklist sweep runs.
    pub sweep_interval: std::time::Duration,
    /// What `GET /metrics` reports; the domain services above count into
    /// clones of it.
    pub metrics: Metrics,
}

/// A built hub, listening but not yet serving.
pub struct App {
    listener: TcpListener,
    state: AppState,
    admin_key: Option<IssuedKey>,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
}

/// How a process uses the data directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Serve it: own the candidate index and the spool, and bring the index
    /// up to date with the store. A second hub on the same directory is
    /// refused.
    Serve,
    /// A tool that may run beside a serving hub (`mhub init`, `mhub
    /// reindex`): the spool is left alone, the index is not caught up (the
    /// tool rebuilds it or does not use it), and when a hub holds the index
    /// the tool works on a private one.
    Beside,
    /// A tool that needs the directory and its database to itself (`mhub
    /// keys rotate-token-key`): refused while a hub serves the directory;
    /// otherwise like [`Access::Beside`].
    Exclusive,
}

/// Open the data directory, secrets and store: the state a hub runs on.
/// Also used by `mhub init` and `mhub reindex` ([`Access::Beside`]).
pub async fn open(
    settings: &Settings,
    access: Access,
) -> anyhow::Result<(AppState, Option<IssuedKey>)> {
    let data_dir = DataDir::new(&settings.data_dir);
    data_dir
        .prepare()
        .with_context(|| format!("preparing data directory {}", settings.data_dir.display()))?;
    let secrets = data_dir
        .load_or_create_secrets()
        .context("loading the hub's secrets")?;
    if secrets.created {
        tracing::info!(dir = %data_dir.root().display(), "created token key and signing key");
    }
    let url = settings.database_url();
    let store = Store::connect(url.expose_secret(), settings.pool())
        .await
        .context("connecting to the database and applying migrations")?;
    // On PostgreSQL the audit tables sit beside the others; SQLite keeps
    // them in a file of their own (see `crate::audit`).
    let audit_store = if settings.uses_postgres() {
        store.clone()
    } else {
        Store::connect_schema(
            &data_dir.audit_sqlite_url(),
            PoolSettings {
                max_connections: 4,
                ..settings.pool()
            },
            Schema::Audit,
        )
        .await
        .context("opening the audit log")?
    };
    let admin_key = auth::ensure_admin_key(&store)
        .await
        .context("creating the first admin key")?;
    let linker = match Linker::open(&data_dir.index()) {
        Ok(linker) => {
            if access == Access::Serve {
                data_dir
                    .clear_spool()
                    .context("emptying the spool of unacknowledged uploads")?;
            }
            linker
        }
        Err(LinkError::Index(error)) if error.is_locked() && access == Access::Beside => {
            Linker::private(data_dir.root()).context("creating a private candidate index")?
        }
        Err(LinkError::Index(error)) if error.is_locked() => anyhow::bail!(
            "another hub process is serving {}: its candidate index is locked",
            data_dir.root().display()
        ),
        Err(error) => {
            return Err(error).with_context(|| {
                format!(
                    "opening the candidate index in {}",
                    data_dir.index().display()
                )
            });
        }
    };
    if access == Access::Serve {
        // The index is derived from the store: heal what a crash or another
        // hub left behind before taking batches (SPEC §10).
        linker
            .catch_up(&store)
            .await
            .context("bringing the candidate index up to date with the store")?;
    }
    let photos_index = match access {
        // Every stored photo's hashes, for the near-duplicate search.
        Access::Serve => PhotoMatcher::load(&store)
            .await
            .context("loading the photo hashes")?,
        // A tool loads them when it needs them (`mhub reindex`).
        Access::Beside | Access::Exclusive => PhotoMatcher::default(),
    };
    // The key the stored tokens are under: finishes (or discards) a
    // rotation a crash interrupted, and refuses secrets that belong to
    // another database.
    let token_key = Arc::new(
        crate::token_rotation::reconcile(
            &store,
            &data_dir,
            secrets.token_key,
            access != Access::Beside,
        )
        .await
        .context("checking the token key against the database")?,
    );
    let signing_key = Arc::new(secrets.signing_key);
    let audit = AuditLog::new(audit_store, signing_key.clone());
    // The active blacklist entries, replayed from the stored feed.
    let replica = ReplicaHandle::default();
    replica
        .catch_up(&store)
        .await
        .context("replaying the blacklist feed")?;
    let photos = PhotoStore::new(data_dir.photos());
    let limits = Arc::new(settings.limits.clone());
    let metrics = Metrics::new();
    let ingestor = Ingestor {
        store: store.clone(),
        token_key: token_key.clone(),
        photos: photos.clone(),
        limits: limits.clone(),
        spool_dir: data_dir.spool(),
        linker: linker.clone(),
        photos_index: photos_index.clone(),
        location: settings.location,
        replica: replica.clone(),
        metrics: metrics.clone(),
    };
    let blacklist = Blacklist::new(
        store.clone(),
        token_key.clone(),
        signing_key.clone(),
        settings.blacklist.clone(),
        linker.clone(),
        replica.clone(),
        metrics.clone(),
    );
    let screening = OnlineScreening::new(
        store.clone(),
        token_key.clone(),
        replica,
        settings.blacklist.clone(),
        metrics.clone(),
    );
    let state = AppState {
        store,
        token_key,
        signing_key,
        photos,
        data_dir,
        limits,
        ingestor,
        linker,
        photos_index,
        location: settings.location,
        blacklist,
        screening,
        audit,
        rate_limiter: Arc::new(RateLimiter::new(
            settings.server.requests_per_second,
            settings.server.request_burst,
        )),
        failed_auth_limiter: Arc::new(RateLimiter::new(
            settings.server.failed_auth_per_second,
            settings.server.failed_auth_burst,
        )),
        server: Arc::new(settings.server.clone()),
        sweep_interval: std::time::Duration::from_secs(settings.blacklist.sweep_interval_secs),
        metrics,
    };
    Ok((state, admin_key))
}

impl App {
    /// Prepare everything and bind the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<App> {
        // Bind first: if the address is taken, fail before creating an
        // admin key that nobody would ever see.
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("binding {}", settings.listen))?;
        // A bad certificate stops the start, before anything is served.
        let tls = match (&settings.server.tls_cert, &settings.server.tls_key) {
            (Some(cert), Some(key)) => Some(crate::serve::tls_config(cert, key)?),
            _ => None,
        };
        let (state, admin_key) = open(&settings, Access::Serve).await?;
        Ok(App {
            listener,
            state,
            admin_key,
            tls,
        })
    }

    /// The bound address (useful when the configured port was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Whether the hub serves HTTPS.
    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// The admin key created by this start, if the store had none. Shown once.
    pub fn admin_key(&self) -> Option<&IssuedKey> {
        self.admin_key.as_ref()
    }

    /// The shared state (for in-process tools such as the demo).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serve until `shutdown` completes, then close the store.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let store = self.state.store.clone();
        let audit = self.state.audit.clone();
        tracing::info!(
            addr = %self.local_addr(),
            store = store.backend().as_str(),
            tls = self.tls.is_some(),
            "serving"
        );
        // Lapsed entries are removed and old screens forgotten by the hub
        // itself, now and then every sweep interval.
        let sweeper = tokio::spawn(sweep_forever(
            self.state.blacklist.clone(),
            self.state.sweep_interval,
        ));
        // After a restart the record cache is empty; batches are served
        // while it fills.
        let warmer = tokio::spawn(warm_record_cache(self.state.linker.clone(), store.clone()));
        let timeouts = crate::serve::Timeouts {
            handshake: std::time::Duration::from_secs(self.state.server.handshake_timeout_secs),
            header_read: std::time::Duration::from_secs(self.state.server.header_read_timeout_secs),
        };
        let metrics = self.state.metrics.clone();
        crate::serve::serve(
            self.listener,
            crate::api::routes(self.state),
            self.tls,
            timeouts,
            metrics,
            shutdown,
        )
        .await;
        sweeper.abort();
        warmer.abort();
        store.close().await;
        audit.close().await;
    }
}

/// Fill the linker's record cache from the store ([`Linker::warm_cache`]).
/// A failure only leaves the cache to fill as batches come, so it is
/// logged, not fatal.
async fn warm_record_cache(linker: Linker, store: Store) {
    let started = std::time::Instant::now();
    match linker.warm_cache(&store).await {
        Ok(forms) => tracing::info!(
            forms,
            seconds = started.elapsed().as_secs_f64(),
            "record cache warmed"
        ),
        Err(error) => tracing::warn!(
            %error,
            "warming the record cache failed; batches read candidates from the store until they fill it"
        ),
    }
}

/// Run the blacklist sweep every `interval`, logging failures (the store may
/// be down for a while; the next round retries).
async fn sweep_forever(blacklist: Blacklist, interval: std::time::Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = blacklist.sweep().await {
            tracing::warn!(%error, "blacklist sweep failed; retrying at the next interval");
        }
    }
}
