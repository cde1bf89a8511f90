//! The wire types of the API, shared by the server and the `mhub` client.
//!
//! One definition per answer, so the two sides cannot drift apart (the
//! mini-redis habit of a client and a server sharing one protocol module).
//! Answers that are domain types already (`BatchResult`, `Principal`,
//! `IssuedKey`) are used as they are.

use matcher::MerchantRecord;
use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::ingest::Severity;
use crate::store::{BatchIssueRow, KeyRow, MerchantRow, MerchantVersionRow};

/// The body of every error answer: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// One error answer.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code (`key_unknown`, `batch_rejected`, …).
    pub code: String,
    /// What went wrong, for people.
    pub message: String,
    /// Structured details, e.g. the row errors of a refused batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    /// The request's id, as in its `X-Request-Id` header and log lines:
    /// quote it when reporting a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `POST /v1/keys` body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Role of the new key.
    pub role: Role,
    /// Acquirer code, exactly for acquirer keys.
    pub acquirer: Option<String>,
    /// A note for people.
    pub label: Option<String>,
}

/// `GET /v1/keys`: a key as listed, without its secret.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyView {
    /// Public id.
    pub key_id: String,
    /// Role name.
    pub role: String,
    /// Acquirer code, for acquirer keys.
    pub acquirer: Option<String>,
    /// Holder's note.
    pub label: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Key id (or `init`) that created it.
    pub created_by: String,
    /// Revocation time, if revoked.
    pub revoked_at: Option<String>,
    /// Key id that revoked it.
    pub revoked_by: Option<String>,
    /// When a rotated key stops working.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The key that replaced it.
    #[serde(default)]
    pub replaced_by: Option<String>,
}

impl From<KeyRow> for KeyView {
    fn from(row: KeyRow) -> Self {
        KeyView {
            key_id: row.key_id,
            role: row.role,
            acquirer: row.acquirer,
            label: row.label,
            created_at: row.created_at,
            created_by: row.created_by,
            revoked_at: row.revoked_at,
            revoked_by: row.revoked_by,
            expires_at: row.expires_at,
            replaced_by: row.replaced_by,
        }
    }
}

/// `GET /v1/batches/{id}/issues`: one row error or warning.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssueView {
    /// Position in the batch's issue list (the paging cursor).
    pub seq: i64,
    /// Error or warning.
    pub severity: Severity,
    /// Line in the uploaded file; 0 for the batch as a whole.
    pub line: i64,
    /// The row's merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// Field path.
    pub field: Option<String>,
    /// Machine-readable code.
    pub code: String,
    /// Explanation.
    pub message: String,
}

impl From<BatchIssueRow> for IssueView {
    fn from(row: BatchIssueRow) -> Self {
        IssueView {
            seq: row.seq,
            severity: if row.severity == "warning" {
                Severity::Warning
            } else {
                Severity::Error
            },
            line: row.line,
            merchant_id: row.merchant_id,
            field: row.field,
            code: row.code,
            message: row.message,
        }
    }
}

/// `GET /v1/merchants/{acquirer}/{merchant_id}`: the current version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MerchantView {
    /// Owning acquirer.
    pub acquirer: String,
    /// The acquirer's merchant number.
    pub merchant_id: String,
    /// Current version number.
    pub version: i64,
    /// Batch that last wrote or confirmed the merchant.
    pub batch_id: i64,
    /// First stored.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// The normalised, tokenised record.
    pub record: MerchantRecord,
}

impl From<MerchantRow> for MerchantView {
    fn from(row: MerchantRow) -> Self {
        MerchantView {
            acquirer: row.acquirer,
            merchant_id: row.record.merchant_id.clone(),
            version: row.version,
            batch_id: row.batch_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
            record: row.record,
        }
    }
}

/// `GET /v1/merchants/{acquirer}/{merchant_id}/versions`: one version.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MerchantVersionView {
    /// Version number, 1-based.
    pub version: i64,
    /// Batch that brought it.
    pub batch_id: i64,
    /// SHA-256 of the stored record.
    pub record_sha256: String,
    /// When it was stored.
    pub created_at: String,
    /// The record as of this version.
    pub record: MerchantRecord,
}

impl From<MerchantVersionRow> for MerchantVersionView {
    fn from(row: MerchantVersionRow) -> Self {
        MerchantVersionView {
            version: row.version,
            batch_id: row.batch_id,
            record_sha256: row.record_sha256,
            created_at: row.created_at,
            record: row.record,
        }
    }
}

/// `GET /healthz`: the hub serves and its database answers.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HealthView {
    /// Always `ok` (a hub that cannot serve answers 503 instead).
    pub status: String,
    /// `sqlite` or `postgres`.
    pub store: String,
    /// The hub's version.
    pub version: String,
}

/// `GET /v1/feed/token-key`: the network's HMAC token key, to screen offline.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenKeyView {
    /// 64 hex digits.
    pub token_key: String,
}

/// `POST /v1/blacklist/import`: one outcome per entry, in order.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportView {
    /// The outcome of each entry.
    pub results: Vec<crate::blacklist::ImportResult>,
}

/// `GET /v1/blacklist/{id}/history`: the entry's transitions.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryView {
    /// Every transition, oldest first.
    pub transitions: Vec<crate::blacklist::TransitionView>,
}
