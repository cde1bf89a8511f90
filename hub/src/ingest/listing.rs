//! A blacklist report (SPEC §7) → the entry's typed parts, or every problem
//! with it. Identifiers go through the same parsers as batch rows, so a
//! listed ID, phone, account or SN is normalised and tokenised exactly as
//! the merchants it must match; the raw values go no further than here.
//!
//! The report is one flat JSON object (docs/blacklist.md):
//! `subject_type`, `reason`, `penalty`, `evidence`, and the identifiers
//! `name`, `uscc`, `id_type` + `id_number`, `phone`, `account_number` (+
//! `account_kind`), `sn`, `address`; optionally `reporter`, `external_ref`
//! and `expires_at`.

use matcher::{ListedSubject, Penalty, Reason, SubjectType, TerminalSn, Uscc};
use serde_json::Value;

use super::issue::Issue;
use super::row::{Context, Fields, account_number, id_document, phone};

/// The fields a report may carry.
const REPORT_FIELDS: &[&str] = &[
    "subject_type",
    "reason",
    "penalty",
    "evidence",
    "reporter",
    "external_ref",
    "expires_at",
    "name",
    "uscc",
    "id_type",
    "id_number",
    "phone",
    "account_number",
    "account_kind",
    "sn",
    "address",
];

/// Longest evidence text kept.
pub const MAX_EVIDENCE_CHARS: usize = 4_000;

/// A run of this many digits in free text may be an identity, phone or
/// account number (SPEC §4 forbids keeping those in clear).
const DIGIT_RUN: usize = 11;

/// A report, validated.
#[derive(Debug, Clone)]
pub struct Listing {
    /// What it lists.
    pub subject_type: SubjectType,
    /// Why.
    pub reason: Reason,
    /// What it costs.
    pub penalty: Penalty,
    /// The evidence text (checked to hold no identifier in clear).
    pub evidence: String,
    /// The acquirer code the report names, if any.
    pub reporter: Option<String>,
    /// The reporter's own reference.
    pub external_ref: Option<String>,
    /// Expiry asked for (RFC 3339, as written).
    pub expires_at: Option<String>,
    /// The identifiers, tokenised.
    pub subject: ListedSubject,
}

/// Validate one report.
pub fn listing(value: &Value, context: &Context<'_>) -> Result<Listing, Vec<Issue>> {
    let mut issues = Vec::new();
    let Value::Object(object) = value else {
        return Err(vec![Issue::error(
            "",
            "entry_not_object",
            "a blacklist entry must be a JSON object",
        )]);
    };
    for field in object.keys() {
        if !REPORT_FIELDS.contains(&field.as_str()) {
            issues.push(Issue::error(
                field.clone(),
                "unknown_field",
                format!(
                    "field {:?} is not part of a blacklist entry; see docs/blacklist.md",
                    field.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    // Warnings about legacy forms do not matter to a listing.
    let mut warnings = Vec::new();
    let mut fields = Fields::of(object, &mut issues);
    let subject_type = vocabulary::<SubjectType>(&mut fields, "subject_type");
    let reason = vocabulary::<Reason>(&mut fields, "reason");
    let penalty = vocabulary::<Penalty>(&mut fields, "penalty");
    let evidence = fields.string("evidence", true);
    if let Some(text) = &evidence {
        if text.chars().count() > MAX_EVIDENCE_CHARS {
            fields.issue(
                "evidence",
                "evidence_too_long",
                format!("evidence is longer than {MAX_EVIDENCE_CHARS} characters"),
            );
        }
        if longest_digit_run(text) >= DIGIT_RUN {
            fields.issue(
                "evidence",
                "evidence_sensitive",
                format!(
                    "evidence holds a run of {DIGIT_RUN} or more digits, which may be an ID, \
                     phone or account number: give identifiers in their own fields, where they \
                     are tokenised, never in the text"
                ),
            );
        }
    }
    let reporter = fields.string("reporter", false);
    let external_ref = fields.string("external_ref", false);
    if external_ref
        .as_ref()
        .is_some_and(|r| r.chars().count() > 100)
    {
        fields.issue(
            "external_ref",
            "external_ref_too_long",
            "external_ref is longer than 100 characters",
        );
    }
    let expires_at = fields.string("expires_at", false);
    if let Some(at) = &expires_at
        && time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).is_err()
    {
        fields.issue(
            "expires_at",
            "invalid_time",
            "expires_at must be an RFC 3339 time like 2031-12-01T00:00:00+08:00",
        );
    }
    let name = fields.string("name", false);
    let uscc = fields.string("uscc", false).and_then(|raw| {
        Uscc::parse(&raw)
            .map(|u| u.as_str().to_owned())
            .map_err(|e| fields.issue("uscc", e.code(), e.to_string()))
            .ok()
    });
    let has_id = object.get("id_number").is_some_and(|v| !v.is_null());
    let (id_type, person_id) = if has_id {
        id_document(&mut fields, false, context, &mut warnings)
    } else {
        (None, None)
    };
    let phone = phone(&mut fields, "phone", context);
    let account = account_number(
        &mut fields,
        "account_number",
        "account_kind",
        false,
        &mut warnings,
    )
    .map(|number| number.protect(context.token_key));
    let sn = fields.string("sn", false).and_then(|raw| {
        TerminalSn::parse(&raw)
            .map(TerminalSn::into_string)
            .map_err(|e| fields.issue("sn", e.code(), e.to_string()))
            .ok()
    });
    let address = fields.string("address", false);
    let subject = ListedSubject {
        name,
        uscc,
        id_type: person_id.as_ref().and(id_type),
        person_id,
        phone,
        account,
        sn,
        address,
    };
    if let Some(subject_type) = subject_type
        && let Some(missing) = subject.missing_identifier(subject_type)
    {
        fields.issue(
            "",
            "entry_identifier_missing",
            format!(
                "a {subject_type} entry must give {missing}: screening must be able to recognise \
                 it with certainty"
            ),
        );
    }
    match (subject_type, reason, penalty, evidence) {
        (Some(subject_type), Some(reason), Some(penalty), Some(evidence)) if issues.is_empty() => {
            Ok(Listing {
                subject_type,
                reason,
                penalty,
                evidence,
                reporter,
                external_ref,
                expires_at,
                subject,
            })
        }
        _ => Err(issues),
    }
}

fn vocabulary<T>(fields: &mut Fields<'_>, field: &str) -> Option<T>
where
    T: std::str::FromStr<Err = matcher::UnknownValue>,
{
    let raw = fields.string(field, true)?;
    raw.parse::<T>()
        .map_err(|e| fields.issue(field, "invalid_enum", e.to_string()))
        .ok()
}

fn longest_digit_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            longest = longest.max(run);
        } else if !matches!(c, ' ' | '-') {
            // Separators inside a number do not break it.
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;
    use matcher::TokenKey;
    use serde_json::json;

    fn context(key: &TokenKey) -> Context<'_> {
        Context {
            token_key: key,
            today: time::macros::date!(2026 - 12 - 01),
        }
    }

    #[test]
    fn a_person_report_is_tokenised_like_a_batch_row() {
        let key = TokenKey::from_bytes([3; 32]);
        let entry = json!({
            "subject_type": "person", "reason": "false_information", "penalty": "terminate",
            "evidence": "法定代表人名下商户涉虚假资料", "name": "刘敏",
            "id_type": "resident_id", "id_number": "65282719880827450x", "phone": "+86 147-1032-3557"
        });
        let listing = listing(&entry, &context(&key)).unwrap();
        let id = listing.subject.person_id.unwrap();
        assert_eq!(id.masked, "652827********450X");
        assert_eq!(
            id.token,
            key.token(matcher::TokenKind::ResidentId, "65282719880827450X")
        );
        assert_eq!(listing.subject.phone.unwrap().masked, "147****3557");
    }

    #[test]
    fn every_problem_is_reported_and_identifiers_never_sit_in_the_evidence() {
        let key = TokenKey::from_bytes([3; 32]);
        let entry = json!({
            "subject_type": "persons", "reason": "cash_out", "penalty": "terminate",
            "evidence": "电话 138 0013 8000 的持有人", "colour": "red"
        });
        let issues = listing(&entry, &context(&key)).unwrap_err();
        let codes: Vec<&str> = issues.iter().map(|i| i.code).collect();
        assert_eq!(
            codes,
            ["unknown_field", "invalid_enum", "evidence_sensitive"]
        );
        let terminal = json!({
            "subject_type": "terminal", "reason": "skimming", "penalty": "terminate",
            "evidence": "改装终端"
        });
        let issues = listing(&terminal, &context(&key)).unwrap_err();
        assert_eq!(issues[0].code, "entry_identifier_missing");
        assert!(issues.iter().all(|i| !i.message.contains("13800138000")));
    }
}
