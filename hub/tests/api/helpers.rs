//! Test harness: a real hub on a random port, over a fresh database.
//!
//! Every test runs twice, on a temporary SQLite file and on a fresh
//! PostgreSQL database created on the server named by `MHUB_TEST_PG_URL`
//! (scripts/test.sh starts one). Without that variable the PostgreSQL variant
//! is skipped with a message, unless `MHUB_REQUIRE_PG=1`, which CI sets so a
//! missing server fails instead of silently skipping.

use std::io::Write;

use hub::{App, Limits, Settings};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

/// Which store a test runs on.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Define a test for both backends from an async fn taking a [`Backend`].
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_available() {
                    super::$name($crate::helpers::Backend::Postgres).await;
                }
            }
        }
    };
}

/// Whether PostgreSQL tests can run; panics when they must but cannot.
pub fn postgres_available() -> bool {
    if std::env::var("MHUB_TEST_PG_URL").is_ok() {
        return true;
    }
    if std::env::var("MHUB_REQUIRE_PG").is_ok_and(|v| v == "1") {
        panic!("MHUB_REQUIRE_PG=1 but MHUB_TEST_PG_URL is not set");
    }
    eprintln!("skipped: set MHUB_TEST_PG_URL to run the PostgreSQL variant");
    false
}

/// A running hub and a client for it.
pub struct TestApp {
    pub address: String,
    pub admin_key: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    pub database_url: SecretString,
    running: Running,
}

/// A hub's serving task and the way to stop it ([`TestApp::restart`]).
struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
}

/// Serve `app` in the background until told to stop. Dropping the sender
/// (the test's end) does not stop it: a test that moves its `TestApp`
/// keeps its hub.
fn run(app: App) -> Running {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until_stopped(async move {
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
    }));
    Running { stop, served }
}

async fn fresh_postgres_database() -> String {
    use sqlx::Connection;
    let base = std::env::var("MHUB_TEST_PG_URL").unwrap();
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to test PostgreSQL");
    let name = format!("mhub_test_{}", hex::encode(rand_bytes()));
    sqlx::Executor::execute(
        &mut conn,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .unwrap();
    // Replace the database name in the URL (keep any query string).
    let (head, query) = match base.split_once('?') {
        Some((head, query)) => (head.to_owned(), format!("?{query}")),
        None => (base.clone(), String::new()),
    };
    let root = head
        .rsplit_once('/')
        .map_or(head.as_str(), |(root, _)| root);
    format!("{root}/{name}{query}")
}

fn rand_bytes() -> [u8; 8] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let counter = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ((nanos as u64) ^ (u64::from(std::process::id()) << 32) ^ counter.rotate_left(17)).to_le_bytes()
}
static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The tests read as a risk team investigating: every request declares that
/// purpose (tests of the purpose rule use a client without it).
pub fn purposeful_client() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "mhub-purpose",
        reqwest::header::HeaderValue::from_static("investigation"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("a client with a default header builds")
}

/// A hub's default settings on `data_dir` and `database_url`, listening on
/// a random port.
pub fn settings(data_dir: &std::path::Path, database_url: &SecretString) -> Settings {
    Settings {
        data_dir: data_dir.to_owned(),
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: Some(database_url.clone()),
        ..Settings::default()
    }
}

/// Start a hub with default limits.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Limits::default()).await
}

/// Start a hub with the given limits.
pub async fn spawn_app_with(backend: Backend, limits: Limits) -> TestApp {
    spawn_app_tuned(backend, |settings| settings.limits = limits).await
}

/// Start a hub with settings changed by `tune`.
pub async fn spawn_app_tuned(backend: Backend, tune: impl FnOnce(&mut Settings)) -> TestApp {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(SecretString::from(fresh_postgres_database().await)),
    };
    let database_url = database_url.unwrap_or_else(|| {
        SecretString::from(hub::data_dir::DataDir::new(data_dir.path()).sqlite_url())
    });
    let mut settings = settings(data_dir.path(), &database_url);
    tune(&mut settings);
    let app = App::build(settings).await.expect("hub builds");
    let address = format!("http://{}", app.local_addr());
    let admin_key = app
        .admin_key()
        .expect("a fresh store gets an admin key")
        .key
        .clone();
    TestApp {
        address,
        admin_key,
        client: purposeful_client(),
        data_dir,
        database_url,
        running: run(app),
    }
}

/// A second hub on `first`'s database, with its own data directory (its own
/// derived indexes) and a copy of `first`'s secrets, as several hubs on one
/// PostgreSQL run.
pub async fn spawn_second_hub(first: &TestApp) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let secrets = data_dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    for name in ["token.key", "signing.key"] {
        std::fs::copy(
            first.data_dir.path().join("secrets").join(name),
            secrets.join(name),
        )
        .unwrap();
    }
    let settings = settings(data_dir.path(), &first.database_url);
    let app = App::build(settings).await.expect("second hub builds");
    let address = format!("http://{}", app.local_addr());
    TestApp {
        address,
        admin_key: first.admin_key.clone(),
        client: purposeful_client(),
        data_dir,
        database_url: first.database_url.clone(),
        running: run(app),
    }
}

impl TestApp {
    /// Stop the hub (as SIGTERM does) and start it again on the same data
    /// directory and database, with default settings, on a new port.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            admin_key,
            client,
            data_dir,
            database_url,
            running,
            ..
        } = self;
        running.stop.send(()).expect("the hub is still serving");
        running.served.await.expect("the hub stopped cleanly");
        let settings = settings(data_dir.path(), &database_url);
        let app = App::build(settings).await.expect("the hub starts again");
        TestApp {
            address: format!("http://{}", app.local_addr()),
            admin_key,
            client,
            data_dir,
            database_url,
            running: run(app),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Create a key through the API and return it.
    pub async fn create_key(&self, role: &str, acquirer: Option<&str>) -> String {
        let response = self
            .client
            .post(self.url("/v1/keys"))
            .bearer_auth(&self.admin_key)
            .json(&json!({"role": role, "acquirer": acquirer}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Value>().await.unwrap()["key"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// POST a batch body with a content type.
    pub async fn upload(
        &self,
        key: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        self.upload_query(key, content_type, body, "").await
    }

    pub async fn upload_query(
        &self,
        key: &str,
        content_type: &str,
        body: Vec<u8>,
        query: &str,
    ) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url(&format!("/v1/batches{query}")))
            .bearer_auth(key)
            .header("content-type", content_type)
            // The hub answers an oversized upload before reading it and then
            // closes the connection; don't let the pool reuse it.
            .header("connection", "close")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    pub async fn get(&self, key: &str, path: &str) -> (StatusCode, Value) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("GET {path}: {status} with a non-JSON body ({e}): {text:?}")
        });
        (status, body)
    }

    /// GET raw bytes, with the content type.
    pub async fn get_bytes(&self, key: &str, path: &str) -> (StatusCode, Option<String>, Vec<u8>) {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        (
            status,
            content_type,
            response.bytes().await.unwrap().to_vec(),
        )
    }

    /// POST a JSON body.
    pub async fn post_json(&self, key: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        self.post_bytes(key, path, serde_json::to_vec(body).unwrap())
            .await
    }

    /// POST raw bytes as JSON.
    pub async fn post_bytes(&self, key: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }
}

/// A valid resident ID for a sequence number, distinct for every `n` below 336,000.
pub fn resident_id(n: u32) -> String {
    let day = 1 + (n / 1000) % 28;
    let month = 1 + (n / 28_000) % 12;
    let body = format!("1101051980{month:02}{day:02}{:03}", n % 1000);
    format!("{body}{}", matcher::resident_id_check_char(&body).unwrap())
}

/// A valid UnionPay card number for a sequence number.
pub fn card(n: u32) -> String {
    let body = format!("621700{:012}", n);
    format!("{body}{}", matcher::luhn_check_digit(&body).unwrap())
}

/// A valid mobile number for a sequence number.
pub fn phone(n: u32) -> String {
    format!("1380013{:04}", n % 10_000)
}

/// A valid §3 row.
pub fn merchant(n: u32) -> Value {
    json!({
        "merchant_id": format!("89844035812{:04}", n),
        "name": format!("深圳市测试商行{n}号店"),
        "mcc": "5411",
        "address": format!("广东省深圳市福田区深南大道{n}号"),
        "lat": 22.54, "lng": 114.05,
        "legal_rep": {"name": "王伟", "id_type": "resident_id", "id_number": resident_id(n), "phone": phone(n)},
        "contact_phone": phone(n + 5000),
        "settlement_account": {"number": card(n), "name": "王伟", "bank": "建设银行"},
        "terminals": [{"terminal_id": format!("T{:07}", n), "sn": format!("N5-{:06}", n)}],
    })
}

/// Rows as a JSONL body.
pub fn jsonl(rows: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        writeln!(out, "{row}").unwrap();
    }
    out
}

/// A zip archive of (name, bytes) entries.
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut writer = zip::ZipWriter::new(&mut buffer);
        for (name, bytes) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(bytes).unwrap();
        }
        writer.finish().unwrap();
    }
    buffer.into_inner()
}

/// A photo-like JPEG of the given size.
pub fn jpeg(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            ((x * 3 + u32::from(seed) * 40) % 256) as u8,
            ((y * 5) % 256) as u8,
            ((x / 20 + y / 20) % 2 * 200) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    bytes
}

/// An alert's members as `ACQ/merchant_id` (`-` when redacted), sorted.
pub fn member_ids(alert: &Value) -> Vec<String> {
    let mut ids: Vec<String> = alert["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["acquirer"].as_str().unwrap(),
                m["merchant_id"].as_str().unwrap_or("-")
            )
        })
        .collect();
    ids.sort();
    ids
}

/// The error codes of a batch result.
pub fn error_codes(result: &Value) -> Vec<String> {
    result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Upload the sample batches of `acquirers`, each under its own key; their
/// batch results.
pub async fn upload_samples(app: &TestApp, acquirers: &[&str]) -> Vec<Value> {
    let mut results = Vec::new();
    for acquirer in acquirers {
        let key = app.create_key("acquirer", Some(acquirer)).await;
        let (status, result) = app
            .upload(&key, "application/zip", sample_batch(acquirer))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{result}");
        results.push(result);
    }
    results
}

/// A sample batch (`samples/<acquirer>/`) as the zip `mhub upload` sends:
/// its merchants file and its photos.
pub fn sample_batch(acquirer: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(acquirer);
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for name in ["merchants.jsonl", "merchants.csv", "terminals.csv"] {
        if let Ok(bytes) = std::fs::read(dir.join(name)) {
            files.push((name.to_owned(), bytes));
        }
    }
    let mut photos: Vec<_> = std::fs::read_dir(dir.join("photos"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    photos.sort();
    for path in photos {
        let name = path.file_name().unwrap().to_str().unwrap();
        files.push((format!("photos/{name}"), std::fs::read(&path).unwrap()));
    }
    let entries: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    zip(&entries)
}
