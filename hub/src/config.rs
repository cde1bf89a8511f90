//! Configuration: one typed struct, layered.
//!
//! Built-in defaults, then an optional TOML file (`--config` / `MHUB_CONFIG`),
//! then `MHUB_*` environment variables and command-line flags (clap reads both
//! and hands them over as [`Overrides`]). `mhub serve` with nothing set keeps
//! everything in `./mhub-data` on SQLite.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use thiserror::Error;

/// Everything the hub needs to run.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Data directory: SQLite file, photos, search index, secrets, spool.
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// `postgres://…` for PostgreSQL; absent means SQLite in the data directory.
    pub database_url: Option<SecretString>,
    /// Connection pool size.
    pub max_connections: u32,
    /// Seconds a request waits for a database connection before it is
    /// answered 503 `store_unavailable`; also how fast an outage shows.
    pub acquire_timeout_secs: u64,
    /// Log lines as text or JSON.
    pub log_format: LogFormat,
    /// Size limits on what clients may send.
    pub limits: Limits,
    /// Distances beyond which location checks report (SPEC §6): the
    /// `[location]` table of the file, see [`matcher::LocationPolicy`].
    pub location: matcher::LocationPolicy,
    /// Blacklist expiry and retention (SPEC §7): the `[blacklist]` table.
    pub blacklist: BlacklistPolicy,
    /// TLS, client timeouts and rate limits: the `[server]` table.
    pub server: ServerPolicy,
}

/// How the hub treats connections and callers (SPEC §9).
///
/// ```toml
/// [server]
/// tls_cert = "/etc/mhub/tls/cert.pem"   # PEM chain; with tls_key, serve HTTPS only
/// tls_key = "/etc/mhub/tls/key.pem"
/// header_read_timeout_secs = 30
/// handshake_timeout_secs = 10
/// body_idle_timeout_secs = 60
/// requests_per_second = 50             # per API key, sustained
/// request_burst = 200                  # per API key, at once
/// failed_auth_per_second = 5           # refused keys per peer address, sustained
/// failed_auth_burst = 50               # refused keys per peer address, at once
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerPolicy {
    /// PEM certificate chain; with `tls_key`, the hub serves HTTPS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// For request headers to arrive (and between kept-alive requests).
    pub header_read_timeout_secs: u64,
    /// For a TLS handshake to finish.
    pub handshake_timeout_secs: u64,
    /// Longest pause while an upload's body is sent.
    pub body_idle_timeout_secs: u64,
    /// Sustained requests per second per API key.
    pub requests_per_second: u32,
    /// Requests one key may send at once before the sustained rate applies.
    pub request_burst: u32,
    /// Sustained refused authentication attempts per peer address.
    pub failed_auth_per_second: u32,
    /// Refused attempts one address may make at once.
    pub failed_auth_burst: u32,
}

impl Default for ServerPolicy {
    fn default() -> Self {
        ServerPolicy {
            tls_cert: None,
            tls_key: None,
            header_read_timeout_secs: 30,
            handshake_timeout_secs: 10,
            body_idle_timeout_secs: 60,
            requests_per_second: 50,
            request_burst: 200,
            failed_auth_per_second: 5,
            failed_auth_burst: 50,
        }
    }
}

impl ServerPolicy {
    /// Check ranges, and that TLS has both halves or neither.
    pub fn validate(&self) -> Result<(), String> {
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("[server] tls_cert and tls_key go together: set both or neither".into());
        }
        for (name, secs) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("handshake_timeout_secs", self.handshake_timeout_secs),
            ("body_idle_timeout_secs", self.body_idle_timeout_secs),
        ] {
            if !(1..=3600).contains(&secs) {
                return Err(format!("[server] {name} must be 1-3600"));
            }
        }
        if [
            self.requests_per_second,
            self.request_burst,
            self.failed_auth_per_second,
            self.failed_auth_burst,
        ]
        .contains(&0)
        {
            return Err("[server] rates and bursts must be at least 1".into());
        }
        Ok(())
    }
}

/// How long blacklist entries and screens live (SPEC §7).
///
/// ```toml
/// [blacklist]
/// default_expiry_days = 1825          # 5 years
/// expiry_days = { sensitive_data_leak = 3650, other = 730 }
/// screening_retention_days = 360
/// sweep_interval_secs = 60
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlacklistPolicy {
    /// An entry's life from approval, unless its reason has its own.
    pub default_expiry_days: u32,
    /// Per reason code, overriding the default.
    pub expiry_days: std::collections::BTreeMap<matcher::Reason, u32>,
    /// How long screens are kept for retro alerts.
    pub screening_retention_days: u32,
    /// How often lapsed entries are removed and old screens forgotten.
    pub sweep_interval_secs: u64,
}

impl Default for BlacklistPolicy {
    fn default() -> Self {
        BlacklistPolicy {
            default_expiry_days: 5 * 365,
            expiry_days: Default::default(),
            screening_retention_days: 360,
            sweep_interval_secs: 60,
        }
    }
}

impl BlacklistPolicy {
    /// An entry's life for `reason`, in days.
    pub fn expiry_days(&self, reason: matcher::Reason) -> u32 {
        self.expiry_days
            .get(&reason)
            .copied()
            .unwrap_or(self.default_expiry_days)
    }

    /// Every number must be positive.
    pub fn validate(&self) -> Result<(), String> {
        if self.default_expiry_days == 0 || self.expiry_days.values().any(|d| *d == 0) {
            return Err("blacklist expiry days must be at least 1".into());
        }
        if self.screening_retention_days == 0 {
            return Err("blacklist.screening_retention_days must be at least 1".into());
        }
        if self.sweep_interval_secs == 0 {
            return Err("blacklist.sweep_interval_secs must be at least 1".into());
        }
        Ok(())
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

impl std::str::FromStr for LogFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?}: use text or json")),
        }
    }
}

/// Limits on uploads (SPEC §9). Everything beyond a limit is refused with a
/// specific error before it can cost memory.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body, in bytes (a batch upload is one body).
    pub max_body_bytes: u64,
    /// Most data rows in one batch.
    pub max_batch_rows: u64,
    /// Longest single JSONL line or CSV record, in bytes.
    pub max_row_bytes: u64,
    /// Largest photo file, in bytes.
    pub max_photo_bytes: u64,
    /// Most pixels (width × height) in a photo; guards against decompression bombs.
    pub max_photo_pixels: u64,
    /// Most entries in a zip batch.
    pub max_zip_entries: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: PathBuf::from("mhub-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            max_connections: 8,
            acquire_timeout_secs: 5,
            log_format: LogFormat::Text,
            limits: Limits::default(),
            location: matcher::LocationPolicy::default(),
            blacklist: BlacklistPolicy::default(),
            server: ServerPolicy::default(),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 2 << 30,
            max_batch_rows: 1_000_000,
            max_row_bytes: 256 << 10,
            max_photo_bytes: 10 << 20,
            max_photo_pixels: 40_000_000,
            max_zip_entries: 100_000,
        }
    }
}

/// Values from flags and environment that win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--data-dir` / `MHUB_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--listen` / `MHUB_LISTEN`.
    pub listen: Option<SocketAddr>,
    /// `--database-url` / `MHUB_DATABASE_URL`.
    pub database_url: Option<SecretString>,
    /// `--log-format` / `MHUB_LOG_FORMAT`.
    pub log_format: Option<LogFormat>,
}

/// Why configuration could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file named by `--config` could not be read.
    #[error("cannot read configuration file {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for [`Settings`].
    #[error("invalid configuration file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: toml::de::Error,
    },
    /// A value is out of its range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Settings {
    /// Defaults, then the file if given, then the overrides.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Settings, ConfigError> {
        let mut settings = match file {
            None => Settings::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source,
                })?
            }
        };
        if let Some(data_dir) = overrides.data_dir {
            settings.data_dir = data_dir;
        }
        if let Some(listen) = overrides.listen {
            settings.listen = listen;
        }
        if let Some(url) = overrides.database_url {
            settings.database_url = Some(url);
        }
        if let Some(format) = overrides.log_format {
            settings.log_format = format;
        }
        settings.location.validate().map_err(ConfigError::Invalid)?;
        settings
            .blacklist
            .validate()
            .map_err(ConfigError::Invalid)?;
        settings.server.validate().map_err(ConfigError::Invalid)?;
        if settings.max_connections == 0 || settings.acquire_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "max_connections and acquire_timeout_secs must be at least 1".into(),
            ));
        }
        Ok(settings)
    }

    /// The hub database's pool.
    pub fn pool(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            max_connections: self.max_connections,
            acquire_timeout: std::time::Duration::from_secs(self.acquire_timeout_secs),
        }
    }

    /// The database to use: the configured URL, or the SQLite file in the data directory.
    pub fn database_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => SecretString::from(crate::data_dir::DataDir::new(&self.data_dir).sqlite_url()),
        }
    }

    /// Whether the configured database is PostgreSQL.
    pub fn uses_postgres(&self) -> bool {
        self.database_url
            .as_ref()
            .is_some_and(|url| url.expose_secret().starts_with("postgres"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_file_sets_limits_and_flags_win_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mhub.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/mhub\"\n[limits]\nmax_batch_rows = 10\n",
        )
        .unwrap();
        let settings = Settings::load(
            Some(&path),
            Overrides {
                listen: Some("127.0.0.1:9100".parse().unwrap()),
                ..Overrides::default()
            },
        )
        .unwrap();
        assert_eq!(settings.listen.port(), 9100);
        assert_eq!(settings.data_dir, PathBuf::from("/srv/mhub"));
        assert_eq!(settings.limits.max_batch_rows, 10);
        assert_eq!(
            settings.limits.max_photo_bytes,
            Limits::default().max_photo_bytes
        );
    }

    #[test]
    fn location_tolerances_come_from_the_file_and_must_be_positive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mhub.toml");
        std::fs::write(
            &path,
            "[location]
relocation_km = 12.5
",
        )
        .unwrap();
        let settings = Settings::load(Some(&path), Overrides::default()).unwrap();
        assert_eq!(settings.location.relocation_km, 12.5);
        assert_eq!(settings.location.district_km, 40.0);
        std::fs::write(
            &path,
            "[location]
photo_km = -1
",
        )
        .unwrap();
        let error = Settings::load(Some(&path), Overrides::default()).unwrap_err();
        assert!(error.to_string().contains("location.photo_km"), "{error}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error_not_silently_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mhub.toml");
        std::fs::write(&path, "lisen = \"127.0.0.1:9000\"\n").unwrap();
        let error = Settings::load(Some(&path), Overrides::default()).unwrap_err();
        assert!(matches!(error, ConfigError::Parse { .. }), "{error}");
    }
}
