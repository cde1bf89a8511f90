//! Who is asking, and what each role may see.

use serde::{Deserialize, Serialize};

/// The four roles of SPEC §9, and a fifth for monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A card acquirer, bound to one acquirer code: uploads and reads its own merchants.
    Acquirer,
    /// An association risk analyst: reads everything, triages alerts, approves blacklist entries.
    Analyst,
    /// Operates the hub: manages keys, and may read what analysts read.
    Admin,
    /// A member institution that only pulls the blacklist feed.
    Subscriber,
    /// A monitoring system (Prometheus) that scrapes `GET /metrics` and
    /// nothing else: counts and latencies, never a merchant, so a key kept
    /// in a scraper's configuration opens no data if it leaks.
    Metrics,
}

impl Role {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Acquirer => "acquirer",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Subscriber => "subscriber",
            Role::Metrics => "metrics",
        }
    }

    /// Whether the role may read `GET /metrics`: monitoring keys, and the
    /// association's analysts and admins, who answer for the hub's health.
    /// Acquirers and subscribers see their own traffic, not the hub's.
    pub fn reads_metrics(self) -> bool {
        matches!(self, Role::Metrics | Role::Analyst | Role::Admin)
    }

    /// Whether the role reads `GET /metrics` and nothing else.
    pub fn reads_only_metrics(self) -> bool {
        self == Role::Metrics
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "acquirer" => Ok(Role::Acquirer),
            "analyst" => Ok(Role::Analyst),
            "admin" => Ok(Role::Admin),
            "subscriber" => Ok(Role::Subscriber),
            "metrics" => Ok(Role::Metrics),
            other => Err(format!(
                "unknown role {other:?}: use acquirer, analyst, admin, subscriber or metrics"
            )),
        }
    }
}

/// The authenticated caller of a request (also the `GET /v1/me` answer).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Principal {
    /// Public id of the key used.
    pub key_id: String,
    /// Its role.
    pub role: Role,
    /// The acquirer code, for acquirer keys.
    pub acquirer: Option<String>,
}

impl Principal {
    /// Analysts and admins see every acquirer's data in full (tokens and masks only).
    pub fn sees_everything(&self) -> bool {
        matches!(self.role, Role::Analyst | Role::Admin)
    }

    /// Whether this principal may read `acquirer`'s merchants and batches in full.
    pub fn may_read_acquirer(&self, acquirer: &str) -> bool {
        self.sees_everything() || self.acquirer.as_deref() == Some(acquirer)
    }
}
