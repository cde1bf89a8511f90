//! A small typed HTTP client for the hub's API.
//!
//! One method per route. Requests and answers are the hub's own wire types
//! (`hub::api::views`, [`BatchResult`], [`Principal`], [`IssuedKey`],
//! [`AlertView`], [`DecisionRequest`], [`SearchResult`], [`PersonView`],
//! [`EntryView`], [`RecordScreening`]), so
//! client and server cannot drift apart. Error bodies (`{"error": {"code", "message", "details"}}`)
//! become an [`ApiError`], so callers can tell "the hub said no" (exit code
//! 1 with the hub's code) from "the hub could not be reached".

use std::time::Duration;

use anyhow::Context as _;
pub use hub::alerts::AlertView;
use hub::api::views::{CreateKeyRequest, ErrorEnvelope};
pub use hub::api::views::{IssueView, KeyView, MerchantVersionView, MerchantView};
use hub::api::{DecisionRequest, ImportRequest, NoteRequest, RemoveRequest};
use hub::api::{PURPOSE_HEADER, RotateRequest};
pub use hub::audit::{AuditQuery, AuditView, ChainReport};
use hub::auth::RotatedKey;
use hub::auth::{IssuedKey, Principal, Role};
pub use hub::blacklist::{Approval, EntryView, ImportResult};
use hub::ingest::BatchResult;
pub use hub::screening::RecordScreening;
use hub::screening::{ScreenRequest, ScreenResponse};
pub use hub::search::{PersonView, SearchResult};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use reqwest::{Body, Method, RequestBuilder, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

/// A refusal from the hub: its status, stable code and message.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Machine-readable code (`key_unknown`, `batch_rejected`, …).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Structured details (a refused batch's row errors, for example).
    pub details: Option<serde_json::Value>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// A page request: `limit` rows after (or before) a cursor.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page {
    /// The cursor (`before` for batches, `after` for issues).
    pub cursor: Option<i64>,
    /// Page size (the hub allows 1–1000; it defaults to 100).
    pub limit: Option<u64>,
}

/// The filters of `GET /v1/alerts`, in the hub's query form.
#[derive(Debug, Clone, Default)]
pub struct AlertQuery {
    /// `type`: one case type.
    pub alert_type: Option<String>,
    /// `status`: open, confirmed or dismissed.
    pub status: Option<String>,
    /// `acquirer`: alerts with a member of this acquirer.
    pub acquirer: Option<String>,
    /// `since`: updated at or after (the store's UTC text form).
    pub since: Option<String>,
    /// `until`: updated before (the store's UTC text form).
    pub until: Option<String>,
}

/// Confirm or dismiss: the last segment of the decision route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// `POST /v1/alerts/{id}/confirm`.
    Confirm,
    /// `POST /v1/alerts/{id}/dismiss`.
    Dismiss,
}

/// `GET /v1/feed/token-key`: the key that turns identifiers into tokens
/// (SPEC §8), kept secret in memory.
#[derive(Debug, serde::Deserialize)]
pub struct FeedTokenKey {
    /// 64 hex digits.
    pub token_key: SecretString,
}

/// The hub at one base URL, called with one key.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    key: SecretString,
    purpose: Option<String>,
}

impl Client {
    /// A client for the hub at `base`.
    pub fn new(base: Url, key: SecretString) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("mhub/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        Ok(Client {
            http,
            base,
            key,
            purpose: None,
        })
    }

    /// Declare why this client reads merchant data: every request then
    /// carries it in the `Mhub-Purpose` header, which the hub audits.
    pub fn with_purpose(mut self, purpose: Option<String>) -> Client {
        self.purpose = purpose;
        self
    }

    /// The declared purpose.
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }

    /// A request with the key and, when declared, the purpose.
    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self.http.request(method, url).header(
            AUTHORIZATION,
            format!("Bearer {}", self.key.expose_secret()),
        );
        match &self.purpose {
            Some(purpose) => request.header(PURPOSE_HEADER, purpose),
            None => request,
        }
    }

    /// The hub's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> anyhow::Result<serde_json::Value> {
        self.call(Method::GET, &["healthz"], &[], |r| r).await
    }

    /// `GET /v1/me`.
    pub async fn me(&self) -> anyhow::Result<Principal> {
        self.call(Method::GET, &["v1", "me"], &[], |r| r).await
    }

    /// `POST /v1/batches`: upload one batch body of `length` bytes.
    pub async fn upload(
        &self,
        body: Body,
        length: u64,
        content_type: &'static str,
        all_or_nothing: bool,
    ) -> anyhow::Result<BatchResult> {
        let query = if all_or_nothing {
            vec![("all_or_nothing", "true".to_owned())]
        } else {
            Vec::new()
        };
        self.call(Method::POST, &["v1", "batches"], &query, |request| {
            request
                .header(CONTENT_TYPE, HeaderValue::from_static(content_type))
                // Announced even for a streamed file, so the hub can refuse
                // an oversized batch before it is sent.
                .header(CONTENT_LENGTH, length)
                .body(body)
        })
        .await
    }

    /// `GET /v1/batches`: one page, newest first, without inline issues.
    pub async fn list_batches(&self, page: Page) -> anyhow::Result<Vec<BatchResult>> {
        let query = page.query("before");
        self.call(Method::GET, &["v1", "batches"], &query, |r| r)
            .await
    }

    /// `GET /v1/batches/{id}`.
    pub async fn batch(&self, id: i64) -> anyhow::Result<BatchResult> {
        self.call(Method::GET, &["v1", "batches", &id.to_string()], &[], |r| r)
            .await
    }

    /// `GET /v1/batches/{id}/issues`: one page of row errors and warnings.
    pub async fn batch_issues(&self, id: i64, page: Page) -> anyhow::Result<Vec<IssueView>> {
        let query = page.query("after");
        self.call(
            Method::GET,
            &["v1", "batches", &id.to_string(), "issues"],
            &query,
            |r| r,
        )
        .await
    }

    /// `GET /v1/merchants/{acquirer}/{merchant_id}`.
    pub async fn merchant(
        &self,
        acquirer: &str,
        merchant_id: &str,
    ) -> anyhow::Result<MerchantView> {
        self.call(
            Method::GET,
            &["v1", "merchants", acquirer, merchant_id],
            &[],
            |r| r,
        )
        .await
    }

    /// `GET /v1/merchants/{acquirer}/{merchant_id}/versions`.
    pub async fn merchant_versions(
        &self,
        acquirer: &str,
        merchant_id: &str,
    ) -> anyhow::Result<Vec<MerchantVersionView>> {
        self.call(
            Method::GET,
            &["v1", "merchants", acquirer, merchant_id, "versions"],
            &[],
            |r| r,
        )
        .await
    }

    /// `GET /v1/search?q=QUERY`: merchants holding this identifier.
    pub async fn search(&self, query: &str, limit: u16) -> anyhow::Result<SearchResult> {
        self.call(
            Method::GET,
            &["v1", "search"],
            &[("q", query.to_owned()), ("limit", limit.to_string())],
            |r| r,
        )
        .await
    }

    /// `POST /v1/terminals/locations`.
    pub async fn report_terminals(
        &self,
        reports: &[serde_json::Value],
    ) -> anyhow::Result<hub::verify::terminals::ReportsResult> {
        self.call(Method::POST, &["v1", "terminals", "locations"], &[], |r| {
            r.json(reports)
        })
        .await
    }

    /// `POST /v1/blacklist`: one report.
    pub async fn report_entry(&self, entry: &serde_json::Value) -> anyhow::Result<EntryView> {
        self.call(Method::POST, &["v1", "blacklist"], &[], |r| r.json(entry))
            .await
    }

    /// `POST /v1/blacklist/import`: many reports, each with its outcome.
    pub async fn import_entries(
        &self,
        entries: &[serde_json::Value],
    ) -> anyhow::Result<Vec<ImportResult>> {
        #[derive(serde::Deserialize)]
        struct Answer {
            results: Vec<ImportResult>,
        }
        let body = ImportRequest {
            entries: entries.to_vec(),
        };
        let answer: Answer = self
            .call(Method::POST, &["v1", "blacklist", "import"], &[], |r| {
                r.json(&body)
            })
            .await?;
        Ok(answer.results)
    }

    /// `GET /v1/blacklist`: one page, newest first (`cursor` is `before`).
    pub async fn list_entries(
        &self,
        filter: &[(&str, String)],
        page: Page,
    ) -> anyhow::Result<Vec<EntryView>> {
        let mut query = filter.to_vec();
        query.extend(page.query("before"));
        self.call(Method::GET, &["v1", "blacklist"], &query, |r| r)
            .await
    }

    /// `GET /v1/blacklist/{id}`: with its transitions.
    pub async fn entry(&self, id: i64) -> anyhow::Result<EntryView> {
        self.call(
            Method::GET,
            &["v1", "blacklist", &id.to_string()],
            &[],
            |r| r,
        )
        .await
    }

    /// `POST /v1/blacklist/{id}/approve`.
    pub async fn approve_entry(&self, id: i64, note: &str) -> anyhow::Result<Approval> {
        let body = NoteRequest {
            note: note.to_owned(),
        };
        self.entry_action(id, "approve", &body).await
    }

    /// `POST /v1/blacklist/{id}/reject`.
    pub async fn reject_entry(&self, id: i64, note: &str) -> anyhow::Result<EntryView> {
        let body = NoteRequest {
            note: note.to_owned(),
        };
        self.entry_action(id, "reject", &body).await
    }

    /// `POST /v1/blacklist/{id}/remove`.
    pub async fn remove_entry(
        &self,
        id: i64,
        removal: &str,
        note: &str,
    ) -> anyhow::Result<EntryView> {
        let body = RemoveRequest {
            removal: removal.to_owned(),
            note: note.to_owned(),
        };
        self.entry_action(id, "remove", &body).await
    }

    /// `POST /v1/blacklist/{id}/{verb}` with `body`.
    async fn entry_action<T: DeserializeOwned>(
        &self,
        id: i64,
        verb: &str,
        body: &impl serde::Serialize,
    ) -> anyhow::Result<T> {
        self.call(
            Method::POST,
            &["v1", "blacklist", &id.to_string(), verb],
            &[],
            |r| r.json(body),
        )
        .await
    }

    /// `POST /v1/screen`, under the client's declared purpose (the hub
    /// refuses a screen without one).
    pub async fn screen(
        &self,
        records: &[serde_json::Value],
    ) -> anyhow::Result<Vec<RecordScreening>> {
        let body = ScreenRequest {
            purpose: None,
            records: records.to_vec(),
        };
        let answer: ScreenResponse = self
            .call(Method::POST, &["v1", "screen"], &[], |r| r.json(&body))
            .await?;
        Ok(answer.results)
    }

    /// `GET /v1/people/{acquirer}/{merchant_id}`.
    pub async fn person(&self, acquirer: &str, merchant_id: &str) -> anyhow::Result<PersonView> {
        self.call(
            Method::GET,
            &["v1", "people", acquirer, merchant_id],
            &[],
            |r| r,
        )
        .await
    }

    /// `GET /v1/alerts`: one page, newest first (`cursor` is `before`).
    pub async fn list_alerts(
        &self,
        filter: &AlertQuery,
        page: Page,
    ) -> anyhow::Result<Vec<AlertView>> {
        let mut query = filter.query();
        query.extend(page.query("before"));
        self.call(Method::GET, &["v1", "alerts"], &query, |r| r)
            .await
    }

    /// `GET /v1/alerts/{id}`: with its history.
    pub async fn alert(&self, id: i64) -> anyhow::Result<AlertView> {
        self.call(Method::GET, &["v1", "alerts", &id.to_string()], &[], |r| r)
            .await
    }

    /// `POST /v1/alerts/{id}/confirm` or `/dismiss`: the updated alert.
    pub async fn decide_alert(
        &self,
        id: i64,
        verdict: Verdict,
        reason: &str,
    ) -> anyhow::Result<AlertView> {
        let verb = match verdict {
            Verdict::Confirm => "confirm",
            Verdict::Dismiss => "dismiss",
        };
        let body = DecisionRequest {
            reason: reason.to_owned(),
        };
        self.call(
            Method::POST,
            &["v1", "alerts", &id.to_string(), verb],
            &[],
            |r| r.json(&body),
        )
        .await
    }

    /// `POST /v1/keys`.
    pub async fn create_key(
        &self,
        role: Role,
        acquirer: Option<&str>,
        label: Option<&str>,
    ) -> anyhow::Result<IssuedKey> {
        let body = CreateKeyRequest {
            role,
            acquirer: acquirer.map(str::to_owned),
            label: label.map(str::to_owned),
        };
        self.call(Method::POST, &["v1", "keys"], &[], |r| r.json(&body))
            .await
    }

    /// `GET /v1/keys`.
    pub async fn list_keys(&self) -> anyhow::Result<Vec<KeyView>> {
        self.call(Method::GET, &["v1", "keys"], &[], |r| r).await
    }

    /// `POST /v1/keys/{key_id}/revoke`.
    pub async fn revoke_key(&self, key_id: &str) -> anyhow::Result<KeyView> {
        self.call(Method::POST, &["v1", "keys", key_id, "revoke"], &[], |r| r)
            .await
    }

    /// `POST /v1/keys/{id}/rotate`.
    pub async fn rotate_key(&self, key_id: &str, grace_secs: u64) -> anyhow::Result<RotatedKey> {
        let body = RotateRequest {
            grace_secs: Some(grace_secs),
        };
        self.call(Method::POST, &["v1", "keys", key_id, "rotate"], &[], |r| {
            r.json(&body)
        })
        .await
    }

    /// `GET /v1/audit` with the query's filters.
    pub async fn audit(&self, query: &AuditQuery) -> anyhow::Result<Vec<AuditView>> {
        let mut params = Vec::new();
        let text = [
            ("key_id", &query.key_id),
            ("acquirer", &query.acquirer),
            ("action", &query.action),
            ("since", &query.since),
            ("until", &query.until),
        ];
        for (name, value) in text {
            if let Some(value) = value {
                params.push((name, value.clone()));
            }
        }
        if let Some(before) = query.before {
            params.push(("before", before.to_string()));
        }
        if let Some(limit) = query.limit {
            params.push(("limit", limit.to_string()));
        }
        self.call(Method::GET, &["v1", "audit"], &params, |r| r)
            .await
    }

    /// `GET /v1/audit/verify`.
    pub async fn verify_audit(&self) -> anyhow::Result<ChainReport> {
        self.call(Method::GET, &["v1", "audit", "verify"], &[], |r| r)
            .await
    }

    /// `GET /v1/feed/head`: where the hub's feed stands.
    pub async fn feed_head(&self) -> anyhow::Result<feed::FeedHead> {
        self.call(Method::GET, &["v1", "feed", "head"], &[], |r| r)
            .await
    }

    /// `GET /v1/feed/key`: the association's public key.
    pub async fn feed_key(&self) -> anyhow::Result<feed::FeedKey> {
        self.call(Method::GET, &["v1", "feed", "key"], &[], |r| r)
            .await
    }

    /// `GET /v1/feed/token-key`: the network token key (subscriber and
    /// admin keys only; others get a 403 [`ApiError`]).
    pub async fn feed_token_key(&self) -> anyhow::Result<FeedTokenKey> {
        self.call(Method::GET, &["v1", "feed", "token-key"], &[], |r| r)
            .await
    }

    /// `GET /v1/feed/events?after=SEQ&limit=N`: at most `limit` events after
    /// `after`, one per NDJSON line. Each line is parsed on its own, so a
    /// caller can name the event a bad line stands for; nothing is verified
    /// here.
    pub async fn feed_events(
        &self,
        after: u64,
        limit: u64,
    ) -> anyhow::Result<Vec<Result<feed::SignedEvent, serde_json::Error>>> {
        let query = [("after", after.to_string()), ("limit", limit.to_string())];
        let body = self
            .call_raw(Method::GET, &["v1", "feed", "events"], &query)
            .await?;
        Ok(body
            .split(|&b| b == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .map(serde_json::from_slice)
            .collect())
    }

    /// Send one body-less request; the raw answer, or its error body as in
    /// [`Client::call`] (for answers that are not one JSON value).
    async fn call_raw(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> anyhow::Result<Vec<u8>> {
        let url = self.url(segments, query);
        let response = self
            .request(method.clone(), url.clone())
            .send()
            .await
            .map_err(|error| {
                let context = if error.is_connect() {
                    format!(
                        "cannot reach the hub at {}: is `mhub serve` running there? (set --url or MHUB_URL)",
                        self.base
                    )
                } else {
                    format!("{method} {}", url.path())
                };
                anyhow::Error::new(error).context(context)
            })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .with_context(|| format!("reading the answer to {method} {}", url.path()))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
            Ok(envelope) => ApiError {
                status,
                code: envelope.error.code,
                message: envelope.error.message,
                details: envelope.error.details,
            }
            .into(),
            Err(_) => anyhow::anyhow!(
                "HTTP {status} from {method} {}: {}",
                url.path(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ),
        })
    }

    /// Send one request and parse its answer, or its error body.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, String)],
        build: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> anyhow::Result<T> {
        let url = self.url(segments, query);
        let request = self.request(method.clone(), url.clone());
        let response = build(request).send().await.map_err(|error| {
            if error.is_connect() {
                anyhow::Error::new(error).context(format!(
                    "cannot reach the hub at {}: is `mhub serve` running there? (set --url or MHUB_URL)",
                    self.base
                ))
            } else {
                anyhow::Error::new(error).context(format!("{method} {}", url.path()))
            }
        })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .with_context(|| format!("reading the answer to {method} {}", url.path()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "unexpected answer to {method} {} (HTTP {status})",
                    url.path()
                )
            });
        }
        Err(match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
            Ok(envelope) => ApiError {
                status,
                code: envelope.error.code,
                message: envelope.error.message,
                details: envelope.error.details,
            }
            .into(),
            // Not the hub's error shape: a proxy, or not a hub at all.
            Err(_) => anyhow::anyhow!(
                "HTTP {status} from {method} {}: {}",
                url.path(),
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ),
        })
    }

    /// `base` + escaped path segments + query.
    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        {
            let mut path = url
                .path_segments_mut()
                .expect("an http(s) base URL can have a path");
            path.pop_if_empty();
            path.extend(segments);
        }
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }
}

impl AlertQuery {
    fn query(&self) -> Vec<(&'static str, String)> {
        [
            ("type", &self.alert_type),
            ("status", &self.status),
            ("acquirer", &self.acquirer),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.clone().map(|value| (name, value)))
        .collect()
    }
}

impl Page {
    fn query(self, cursor_name: &'static str) -> Vec<(&'static str, String)> {
        let mut query = Vec::new();
        if let Some(cursor) = self.cursor {
            query.push((cursor_name, cursor.to_string()));
        }
        if let Some(limit) = self.limit {
            query.push(("limit", limit.to_string()));
        }
        query
    }
}
