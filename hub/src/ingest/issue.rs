//! Errors and warnings about batch rows, as the uploader sees them.

use serde::{Deserialize, Serialize};

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row was refused.
    Error,
    /// The row was accepted; something deserves a look.
    Warning,
}

/// One problem with one row, as the validator finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// Error or warning.
    pub severity: Severity,
    /// 1-based line of the row in its file (JSONL line, CSV record line).
    pub line: u64,
    /// The row's merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// Field path (`legal_rep.id_number`); empty for the row as a whole.
    pub field: String,
    /// Stable machine-readable code (docs/batch-format.md lists them all).
    pub code: &'static str,
    /// What is wrong, for people. Never quotes a raw sensitive value.
    pub message: String,
}

impl Issue {
    /// An error about `field`.
    pub fn error(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            severity: Severity::Error,
            line: 0,
            merchant_id: None,
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// A warning about `field`.
    pub fn warning(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            severity: Severity::Warning,
            ..Issue::error(field, code, message)
        }
    }

    /// Place the issue on a row.
    pub fn at(mut self, line: u64, merchant_id: Option<&str>) -> Issue {
        self.line = line;
        self.merchant_id = merchant_id.map(str::to_owned);
        self
    }
}

/// An issue as reported in a batch result and stored with the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchIssue {
    /// 1-based line of the row in its file; 0 for the batch as a whole.
    pub line: u64,
    /// The row's merchant_id, when it could be read.
    pub merchant_id: Option<String>,
    /// Field path (`legal_rep.id_number`), absent for the row as a whole.
    pub field: Option<String>,
    /// Stable machine-readable code (docs/batch-format.md lists them all).
    pub code: String,
    /// What is wrong, for people. Never quotes a raw sensitive value.
    pub message: String,
}

impl From<&Issue> for BatchIssue {
    fn from(issue: &Issue) -> Self {
        BatchIssue {
            line: issue.line,
            merchant_id: issue.merchant_id.clone(),
            field: (!issue.field.is_empty()).then(|| issue.field.clone()),
            code: issue.code.to_owned(),
            message: issue.message.clone(),
        }
    }
}
