//! `GET /v1/openapi.json`: the OpenAPI 3.1 document of every endpoint,
//! generated from the code.
//!
//! warp has no OpenAPI integration, so each route has a documented stub in
//! `operations` carrying its `#[utoipa::path]` (method, path, parameters,
//! bodies, success answers); the schemas are derived from the wire types
//! themselves (`ToSchema` on the request and answer structs, matcher's and
//! feed's behind their `openapi` feature), so a field added there is in the
//! document at the next build. The error answers are added by `Errors`
//! from one table (`errors_of`): every status an operation can answer,
//! with the machine-readable `error.code`s of each as an `enum` in the
//! response schema and an `x-error-codes` list. The error envelope's schema
//! is [`ErrorEnvelope`]'s, the struct [`super::error`] serialises.
//!
//! `docs/openapi.json` is a committed copy; `tests/api/openapi.rs` fails
//! when it differs and says how to regenerate it.

use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as Document, RefOr, Response};
use utoipa::{Modify, OpenApi};
use warp::{Filter, Rejection, Reply};

use super::views::ErrorEnvelope;
use crate::audit::Purpose;

/// The document: every operation of `operations`, their schemas, the
/// bearer key scheme and the error answers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "mhub",
        description = "Merchant onboarding and blacklist-sharing hub. Every error answers \
            `{\"error\": {\"code\", \"message\", \"details\"}}` with a stable machine-readable \
            `code`; each operation lists its statuses and codes. Reads of merchant data \
            declare why in the `Mhub-Purpose` header (SPEC §9) and every call but the feed's \
            head, key and events is recorded in the audit log.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        operations::health,
        operations::metrics,
        operations::openapi_document,
        operations::me,
        operations::keys_create,
        operations::keys_list,
        operations::keys_revoke,
        operations::keys_rotate,
        operations::batches_upload,
        operations::batches_list,
        operations::batches_show,
        operations::batches_issues,
        operations::merchants_show,
        operations::merchants_versions,
        operations::people_show,
        operations::search,
        operations::alerts_list,
        operations::alerts_show,
        operations::alerts_decide,
        operations::photos_show,
        operations::terminals_report,
        operations::blacklist_report,
        operations::blacklist_import,
        operations::blacklist_list,
        operations::blacklist_show,
        operations::blacklist_history,
        operations::blacklist_approve,
        operations::blacklist_reject,
        operations::blacklist_remove,
        operations::blacklist_update,
        operations::screen,
        operations::feed_head,
        operations::feed_key,
        operations::feed_token_key,
        operations::feed_events,
        operations::audit_list,
        operations::audit_verify,
    ),
    // Named by hand: the NDJSON lines, and types used only in parameters.
    components(schemas(ErrorEnvelope, feed::SignedEvent, Purpose, operations::Verdict)),
    modifiers(&BearerKey, &Errors),
)]
pub struct ApiDoc;

/// The document as served and committed: a JSON value, whose maps are
/// ordered (utoipa keeps extensions in a `HashMap`, so its own
/// serialisation could change order from one run to the next).
pub fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        // Serialising plain maps and strings cannot fail; if it ever did, an
        // empty document makes every contract test fail loudly.
        tracing::error!(error = %e, "OpenAPI document not serialisable");
        Value::Null
    })
}

/// The document, pretty, with a trailing newline: `docs/openapi.json`.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// `GET /v1/openapi.json`. No key needed: the document is the public
/// contract, and it names endpoints and codes only, never data.
pub(super) fn routes() -> impl Filter<Extract = (impl Reply,), Error = Rejection> + Clone {
    let document = document();
    warp::path!("openapi.json")
        .and(warp::get())
        .map(move || warp::reply::json(&document))
}

/// The `bearer` security scheme every authenticated operation names.
struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mhub_<key id>_<secret>")
                    .description(Some(
                        "An API key from `mhub init`, `mhub keys create` or `POST /v1/keys`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds every operation's error answers from [`errors_of`].
struct Errors;

impl Modify for Errors {
    fn modify(&self, openapi: &mut Document) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let id = operation.operation_id.clone().unwrap_or_default();
                for (status, codes) in errors_of(&id) {
                    operation
                        .responses
                        .responses
                        .insert(status.to_string(), RefOr::T(error_response(&codes)));
                }
            }
        }
    }
}

/// One error status: the envelope, with `error.code` one of `codes`.
fn error_response(codes: &[&'static str]) -> Response {
    let listed = codes
        .iter()
        .map(|code| format!("`{code}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let response = json!({
        "description": format!("Refused; `error.code` is one of {listed}."),
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/ErrorEnvelope"},
                        {
                            "type": "object",
                            "properties": {
                                "error": {
                                    "type": "object",
                                    "properties": {"code": {"type": "string", "enum": codes}}
                                }
                            }
                        }
                    ]
                }
            }
        },
        "x-error-codes": codes,
    });
    // The value above has the shape of a response object by construction.
    serde_json::from_value(response).unwrap_or_default()
}

/// The error answers of operations, by status.
#[derive(Default)]
struct Answers(std::collections::BTreeMap<u16, Vec<&'static str>>);

impl Answers {
    fn with(mut self, status: u16, codes: &[&'static str]) -> Answers {
        let listed = self.0.entry(status).or_default();
        for code in codes {
            if !listed.contains(code) {
                listed.push(code);
            }
        }
        self
    }

    /// Any route: the database went away.
    fn store(self) -> Answers {
        self.with(503, &["store_unavailable"])
    }

    /// Routes behind `authenticated`: the key is checked and rate-limited.
    fn authenticated(self) -> Answers {
        self.store()
            .with(
                401,
                &[
                    "key_missing",
                    "key_malformed",
                    "key_unknown",
                    "key_revoked",
                    "key_expired",
                ],
            )
            .with(429, &["rate_limited"])
    }

    /// Routes behind `context` and `audited`: a purpose, if sent, must be
    /// one we know; the audit log must take the event.
    fn audited(self) -> Answers {
        self.authenticated()
            .with(400, &["invalid_purpose"])
            .with(503, &["audit_unavailable"])
    }

    /// Actions with [`crate::audit::Action::needs_purpose`].
    fn purpose(self) -> Answers {
        self.audited().with(400, &["purpose_required"])
    }

    /// A query string parsed into a struct that denies unknown fields.
    fn query(self) -> Answers {
        self.with(400, &["invalid_query"])
    }

    /// A JSON body read whole under a limit (`json_body`).
    fn json_body(self) -> Answers {
        self.with(400, &["invalid_body"])
            .with(411, &["length_required"])
            .with(413, &["body_too_large"])
    }

    /// A typed path parameter that does not parse matches no route.
    fn typed_path(self) -> Answers {
        self.with(404, &["not_found"])
    }

    fn forbidden(self) -> Answers {
        self.with(403, &["forbidden"])
    }

    /// Routes that tokenise identifiers: refused while the store's token
    /// key is not this hub's (another hub of the database rotated it).
    fn tokenises(self) -> Answers {
        self.with(503, &["token_key_changed"])
    }
}

/// Every error answer of the operation `id`, by status (empty for an
/// unknown id; the contract test checks every operation has its 401s).
fn errors_of(id: &str) -> Vec<(u16, Vec<&'static str>)> {
    let a = Answers::default();
    let entry_review = |a: Answers| {
        a.audited()
            .typed_path()
            .json_body()
            .forbidden()
            .with(400, &["note_required"])
            .with(403, &["self_review"])
            .with(404, &["entry_not_found"])
            .with(409, &["entry_status"])
    };
    let answers = match id {
        "health" => a.store(),
        "openapi_document" => a,
        "metrics" => a.authenticated().forbidden(),
        "me" | "feed_head" | "feed_key" => a.authenticated(),
        "keys_create" => a
            .audited()
            .json_body()
            .forbidden()
            .with(400, &["invalid_acquirer"]),
        "keys_list" => a.audited().forbidden(),
        "keys_revoke" => a.audited().forbidden().with(404, &["key_not_found"]),
        "keys_rotate" => a
            .audited()
            .json_body()
            .forbidden()
            .with(400, &["invalid_grace"])
            .with(404, &["key_not_found"])
            .with(409, &["key_not_rotatable"]),
        "batches_upload" => a
            .audited()
            .tokenises()
            .query()
            .forbidden()
            .with(
                400,
                &[
                    "body_unreadable",
                    "invalid_encoding",
                    "zip_invalid",
                    "zip_unsafe_path",
                    "zip_too_many_entries",
                    "zip_no_merchants",
                    "csv_missing_columns",
                    "csv_invalid",
                    "batch_empty",
                ],
            )
            .with(408, &["body_timeout"])
            .with(413, &["body_too_large", "too_many_rows"])
            .with(415, &["unsupported_media_type"])
            .with(422, &["batch_rejected"]),
        "batches_list" => a.audited().query().forbidden(),
        "batches_show" => a
            .audited()
            .typed_path()
            .forbidden()
            .with(404, &["batch_not_found"]),
        "batches_issues" => a
            .audited()
            .typed_path()
            .query()
            .forbidden()
            .with(404, &["batch_not_found"]),
        "merchants_show" | "merchants_versions" | "people_show" => {
            a.purpose().forbidden().with(404, &["merchant_not_found"])
        }
        "search" => a
            .purpose()
            .tokenises()
            .query()
            .forbidden()
            .with(400, &["invalid_limit"]),
        "alerts_list" => a.purpose().query().forbidden(),
        "alerts_show" => a
            .purpose()
            .typed_path()
            .forbidden()
            .with(404, &["alert_not_found"]),
        "alerts_decide" => a
            .audited()
            .typed_path()
            .json_body()
            .forbidden()
            .with(400, &["reason_required"])
            .with(404, &["alert_not_found"]),
        "photos_show" => a.purpose().forbidden().with(404, &["photo_not_found"]),
        "terminals_report" => a
            .audited()
            .forbidden()
            .with(400, &["invalid_body", "reports_empty"])
            .with(411, &["length_required"])
            .with(413, &["body_too_large", "too_many_reports"]),
        "blacklist_report" => a
            .audited()
            .tokenises()
            .json_body()
            .forbidden()
            .with(400, &["invalid_entry"])
            .with(409, &["duplicate_entry"]),
        "blacklist_import" => a
            .audited()
            .tokenises()
            .json_body()
            .forbidden()
            .with(400, &["too_many_entries"]),
        "blacklist_list" => a.purpose().query().forbidden(),
        "blacklist_show" | "blacklist_history" => a
            .purpose()
            .typed_path()
            .forbidden()
            .with(404, &["entry_not_found"]),
        "blacklist_approve" | "blacklist_reject" => entry_review(a),
        "blacklist_remove" => entry_review(a).with(400, &["invalid_removal"]),
        "blacklist_update" => entry_review(a).with(400, &["invalid_enum", "invalid_entry"]),
        "screen" => a
            .purpose()
            .tokenises()
            .json_body()
            .forbidden()
            .with(400, &["purpose_conflict", "invalid_records"]),
        "feed_token_key" => a.audited().forbidden(),
        "feed_events" => a.authenticated().query(),
        "audit_list" => a.audited().query().forbidden(),
        "audit_verify" => a.audited().forbidden(),
        _ => a,
    };
    answers.0.into_iter().collect()
}

/// The operations: one stub per route, documented where the route is not
/// (the handlers are warp filter chains). Never called.
#[allow(dead_code)]
pub(crate) mod operations {
    use crate::alerts::AlertView;
    use crate::api::views::{
        CreateKeyRequest, HealthView, HistoryView, ImportView, IssueView, KeyView,
        MerchantVersionView, MerchantView, TokenKeyView,
    };
    use crate::api::{DecisionRequest, ImportRequest, NoteRequest, RemoveRequest, RotateRequest};
    use crate::audit::{AuditQuery, AuditView, ChainReport, Purpose};
    use crate::auth::{IssuedKey, Principal, RotatedKey};
    use crate::blacklist::{Approval, EntryView};
    use crate::ingest::BatchResult;
    use crate::screening::{ScreenRequest, ScreenResponse};
    use crate::search::{PersonView, SearchResult};
    use crate::verify::terminals::{Report, ReportsResult};

    /// The last segment of `POST /v1/alerts/{id}/{verdict}`.
    #[derive(utoipa::ToSchema)]
    #[schema(rename_all = "lowercase")]
    pub enum Verdict {
        /// The alert is a real case.
        Confirm,
        /// It is not (say why).
        Dismiss,
    }

    /// Whether the hub can serve: its database answers.
    #[utoipa::path(get, path = "/healthz", tag = "hub",
        responses((status = 200, description = "Serving", body = HealthView)))]
    pub fn health() {}

    /// The hub's metrics in the Prometheus text format 0.0.4 (metrics,
    /// analyst and admin keys): rows, batches, alerts, screening latency,
    /// the feed head, index lag, the connection pool, HTTP requests.
    #[utoipa::path(get, path = "/metrics", tag = "hub", security(("bearer" = [])),
        responses((status = 200, description = "The metrics",
            content_type = "text/plain; version=0.0.4", body = String)))]
    pub fn metrics() {}

    /// This document. Public: no key needed.
    #[utoipa::path(get, path = "/v1/openapi.json", tag = "hub",
        responses((status = 200, description = "The OpenAPI 3.1 document",
            content_type = "application/json")))]
    pub fn openapi_document() {}

    /// Who the key belongs to.
    #[utoipa::path(get, path = "/v1/me", tag = "keys", security(("bearer" = [])),
        responses((status = 200, description = "The key's principal", body = Principal)))]
    pub fn me() {}

    /// Create an API key (admins). The secret is in this answer only.
    #[utoipa::path(post, path = "/v1/keys", tag = "keys", security(("bearer" = [])),
        request_body = CreateKeyRequest,
        responses((status = 201, description = "Created", body = IssuedKey)))]
    pub fn keys_create() {}

    /// Every key, without secrets (admins).
    #[utoipa::path(get, path = "/v1/keys", tag = "keys", security(("bearer" = [])),
        responses((status = 200, description = "The keys", body = Vec<KeyView>)))]
    pub fn keys_list() {}

    /// Revoke a key at once (admins).
    #[utoipa::path(post, path = "/v1/keys/{key_id}/revoke", tag = "keys",
        security(("bearer" = [])),
        params(("key_id" = String, Path, description = "The key's public id")),
        responses((status = 200, description = "Revoked", body = KeyView)))]
    pub fn keys_revoke() {}

    /// Replace a key by a new one; the old one works for `grace_secs` more.
    /// Admins rotate any key, every key may rotate itself.
    #[utoipa::path(post, path = "/v1/keys/{key_id}/rotate", tag = "keys",
        security(("bearer" = [])),
        params(("key_id" = String, Path, description = "The key's public id")),
        request_body = RotateRequest,
        responses((status = 201, description = "The new key", body = RotatedKey)))]
    pub fn keys_rotate() {}

    /// Upload a merchant batch (acquirers): JSONL, CSV, or a zip with the
    /// merchants file and its photos (docs/batch-format.md). The body is
    /// streamed; the same bytes again replay the stored result.
    #[utoipa::path(post, path = "/v1/batches", tag = "batches", security(("bearer" = [])),
        params(super::super::batches::UploadQuery),
        request_body(description = "The batch file, one §3 merchant record per line or row",
            content(("application/x-ndjson"), ("text/csv"), ("application/zip"))),
        responses(
            (status = 201, description = "Stored", body = BatchResult),
            (status = 200, description = "These bytes were stored before: their result",
                body = BatchResult)))]
    pub fn batches_upload() {}

    /// Batches, newest first, without their issues (an acquirer: its own).
    #[utoipa::path(get, path = "/v1/batches", tag = "batches", security(("bearer" = [])),
        params(super::super::batches::ListQuery),
        responses((status = 200, description = "Batch results", body = Vec<BatchResult>)))]
    pub fn batches_list() {}

    /// One batch's result.
    #[utoipa::path(get, path = "/v1/batches/{id}", tag = "batches", security(("bearer" = [])),
        params(("id" = i64, Path, description = "Batch id")),
        responses((status = 200, description = "The result", body = BatchResult)))]
    pub fn batches_show() {}

    /// A batch's row errors and warnings, in order, paged.
    #[utoipa::path(get, path = "/v1/batches/{id}/issues", tag = "batches",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Batch id"),
            super::super::batches::IssuesQuery),
        responses((status = 200, description = "Issues", body = Vec<IssueView>)))]
    pub fn batches_issues() {}

    /// A merchant's current record: its acquirer's and the association's.
    #[utoipa::path(get, path = "/v1/merchants/{acquirer}/{merchant_id}", tag = "merchants",
        security(("bearer" = [])),
        params(("acquirer" = String, Path, description = "Acquirer code"),
            ("merchant_id" = String, Path, description = "The acquirer's merchant number"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "The merchant", body = MerchantView)))]
    pub fn merchants_show() {}

    /// Every stored version of a merchant.
    #[utoipa::path(get, path = "/v1/merchants/{acquirer}/{merchant_id}/versions",
        tag = "merchants", security(("bearer" = [])),
        params(("acquirer" = String, Path, description = "Acquirer code"),
            ("merchant_id" = String, Path, description = "The acquirer's merchant number"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "Versions, oldest first",
            body = Vec<MerchantVersionView>)))]
    pub fn merchants_versions() {}

    /// Every merchant behind the person of one merchant (another acquirer's
    /// redacted; a merchant of another tenant is 404 to an acquirer).
    #[utoipa::path(get, path = "/v1/people/{acquirer}/{merchant_id}", tag = "merchants",
        security(("bearer" = [])),
        params(("acquirer" = String, Path, description = "Acquirer code"),
            ("merchant_id" = String, Path, description = "The acquirer's merchant number"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "The person's merchants", body = PersonView)))]
    pub fn people_show() {}

    /// Search by any identifier, or names and addresses fuzzily.
    #[utoipa::path(get, path = "/v1/search", tag = "merchants", security(("bearer" = [])),
        params(super::super::search::SearchQuery,
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "Merchants found", body = SearchResult)))]
    pub fn search() {}

    /// Alerts, newest first (an acquirer: those with its merchants, others redacted).
    #[utoipa::path(get, path = "/v1/alerts", tag = "alerts", security(("bearer" = [])),
        params(super::super::alerts::ListQuery,
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "Alerts", body = Vec<AlertView>)))]
    pub fn alerts_list() {}

    /// One alert with its history.
    #[utoipa::path(get, path = "/v1/alerts/{id}", tag = "alerts", security(("bearer" = [])),
        params(("id" = i64, Path, description = "Alert id"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "The alert", body = AlertView)))]
    pub fn alerts_show() {}

    /// Confirm or dismiss an alert (analysts and admins).
    #[utoipa::path(post, path = "/v1/alerts/{id}/{verdict}", tag = "alerts",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Alert id"),
            ("verdict" = Verdict, Path, description = "What the analyst decided")),
        request_body = DecisionRequest,
        responses((status = 200, description = "The alert as decided", body = AlertView)))]
    pub fn alerts_decide() {}

    /// A stored photo's bytes, to those allowed to see it (others: 404).
    #[utoipa::path(get, path = "/v1/photos/{sha256}", tag = "verification",
        security(("bearer" = [])),
        params(("sha256" = String, Path, description = "The photo's SHA-256, 64 hex digits"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "The photo",
            content(("image/jpeg"), ("image/png")))))]
    pub fn photos_show() {}

    /// Where an acquirer's terminals were seen (acquirers); far ones raise
    /// `terminal_relocated` alerts. A report that does not fit is refused
    /// in its outcome, not the request.
    #[utoipa::path(post, path = "/v1/terminals/locations", tag = "verification",
        security(("bearer" = [])),
        request_body(content = Vec<Report>, description = "1–10,000 reports",
            content_type = "application/json"),
        responses((status = 200, description = "Each report's outcome", body = ReportsResult)))]
    pub fn terminals_report() {}

    /// Report an entry for the blacklist (docs/blacklist.md); another key reviews it.
    #[utoipa::path(post, path = "/v1/blacklist", tag = "blacklist", security(("bearer" = [])),
        request_body(content = Object,
            description = "One entry in the report format of docs/blacklist.md",
            content_type = "application/json"),
        responses((status = 201, description = "Reported", body = EntryView)))]
    pub fn blacklist_report() {}

    /// Report many entries; each is reported, a duplicate or invalid.
    #[utoipa::path(post, path = "/v1/blacklist/import", tag = "blacklist",
        security(("bearer" = [])),
        request_body = ImportRequest,
        responses((status = 200, description = "One outcome per entry", body = ImportView)))]
    pub fn blacklist_import() {}

    /// Entries, newest first (reported and rejected ones: their reporter's and analysts').
    #[utoipa::path(get, path = "/v1/blacklist", tag = "blacklist", security(("bearer" = [])),
        params(super::super::blacklist::ListQuery,
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "Entries", body = Vec<EntryView>)))]
    pub fn blacklist_list() {}

    /// One entry with its transitions.
    #[utoipa::path(get, path = "/v1/blacklist/{id}", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "The entry", body = EntryView)))]
    pub fn blacklist_show() {}

    /// An entry's transitions.
    #[utoipa::path(get, path = "/v1/blacklist/{id}/history", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id"),
            ("Mhub-Purpose" = Purpose, Header, description = "Why (SPEC §9)")),
        responses((status = 200, description = "Transitions", body = HistoryView)))]
    pub fn blacklist_history() {}

    /// Approve a reported entry (analysts and admins, not its reporter):
    /// active, published in the feed, and the store screened again.
    #[utoipa::path(post, path = "/v1/blacklist/{id}/approve", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id")),
        request_body = NoteRequest,
        responses((status = 200, description = "Approved", body = Approval)))]
    pub fn blacklist_approve() {}

    /// Reject a reported entry.
    #[utoipa::path(post, path = "/v1/blacklist/{id}/reject", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id")),
        request_body = NoteRequest,
        responses((status = 200, description = "Rejected", body = EntryView)))]
    pub fn blacklist_reject() {}

    /// Remove an active entry (appeal upheld, or an error).
    #[utoipa::path(post, path = "/v1/blacklist/{id}/remove", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id")),
        request_body = RemoveRequest,
        responses((status = 200, description = "Removed", body = EntryView)))]
    pub fn blacklist_remove() {}

    /// Change an active entry's penalty or expiry.
    #[utoipa::path(post, path = "/v1/blacklist/{id}/update", tag = "blacklist",
        security(("bearer" = [])),
        params(("id" = i64, Path, description = "Entry id")),
        request_body = super::super::blacklist::UpdateRequest,
        responses((status = 200, description = "Updated", body = EntryView)))]
    pub fn blacklist_update() {}

    /// Screen prospective merchants against the blacklist. The purpose may
    /// come in the body instead of the header.
    #[utoipa::path(post, path = "/v1/screen", tag = "screening", security(("bearer" = [])),
        params(("Mhub-Purpose" = Option<Purpose>, Header,
            description = "Why (SPEC §9); required unless the body names it")),
        request_body = ScreenRequest,
        responses((status = 200, description = "One answer per record", body = ScreenResponse)))]
    pub fn screen() {}

    /// The feed's last event (not audited: members poll it).
    #[utoipa::path(get, path = "/v1/feed/head", tag = "feed", security(("bearer" = [])),
        responses((status = 200, description = "The head", body = feed::FeedHead)))]
    pub fn feed_head() {}

    /// The association's Ed25519 key that signs the feed.
    #[utoipa::path(get, path = "/v1/feed/key", tag = "feed", security(("bearer" = [])),
        responses((status = 200, description = "The public key", body = feed::FeedKey)))]
    pub fn feed_key() {}

    /// The network's token key, for offline screening (subscribers and admins).
    #[utoipa::path(get, path = "/v1/feed/token-key", tag = "feed", security(("bearer" = [])),
        responses((status = 200, description = "The token key", body = TokenKeyView)))]
    pub fn feed_token_key() {}

    /// Signed feed events after `after`, as NDJSON: one `SignedEvent` per line.
    #[utoipa::path(get, path = "/v1/feed/events", tag = "feed", security(("bearer" = [])),
        params(super::super::feed::EventsQuery),
        responses((status = 200,
            description = "One `SignedEvent` (see components) per line, in seq order",
            content_type = "application/x-ndjson", body = String)))]
    pub fn feed_events() {}

    /// The audit log, newest first (an acquirer: its own keys' events).
    #[utoipa::path(get, path = "/v1/audit", tag = "audit", security(("bearer" = [])),
        params(AuditQuery),
        responses((status = 200, description = "Events", body = Vec<AuditView>)))]
    pub fn audit_list() {}

    /// Walk the audit log's signed hash chain (analysts and admins).
    #[utoipa::path(get, path = "/v1/audit/verify", tag = "audit", security(("bearer" = [])),
        responses((status = 200, description = "The walk's result", body = ChainReport)))]
    pub fn audit_verify() {}
}
