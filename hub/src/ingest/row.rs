//! One batch row → a [`MerchantRecord`], or the list of everything wrong with it.
//!
//! Rows arrive as JSON objects (JSONL directly, CSV converted to the same
//! shape), so one validator serves every format. It checks types and
//! required fields first, then hands each value to the matcher's parsers,
//! which normalise and tokenise. Every problem is collected, not just the
//! first, so an acquirer can fix a row in one go. No message ever quotes a
//! raw identity, phone or account number.

use matcher::normalise;
use matcher::{
    AccountKind, AccountNumber, Coordinates, IdType, LegalRep, Mcc, MerchantId, MerchantRecord,
    MerchantStatus, MobilePhone, PhotoKind, Protected, RegionCode, ResidentId, SettlementAccount,
    Terminal, TerminalId, TerminalSn, TokenKey, TokenKind, Uscc,
};
use serde_json::{Map, Value};
use time::Date;

use super::issue::Issue;

/// The fields SPEC §3 names, at the top level of a row.
const KNOWN_FIELDS: &[&str] = &[
    "merchant_id",
    "name",
    "uscc",
    "mcc",
    "address",
    "region_code",
    "lat",
    "lng",
    "legal_rep",
    "contact_phone",
    "settlement_account",
    "terminals",
    "photos",
    "onboarded_at",
    "status",
    "termination_reason",
    "terminated_at",
];

/// A photo the row refers to, still to be fetched from the batch.
#[derive(Debug, Clone)]
pub struct PhotoRequest {
    /// What it shows.
    pub kind: PhotoKind,
    /// Path inside the batch, as written in the row.
    pub file: String,
    /// Field path for error messages (`photos[0].file`).
    pub field: String,
}

/// A row that passed validation, with the photos it still needs.
#[derive(Debug)]
pub struct ValidRow {
    /// The record, photos not yet attached.
    pub record: MerchantRecord,
    /// Photos to load, decode and attach.
    pub photos: Vec<PhotoRequest>,
}

/// What the validator needs besides the row.
pub struct Context<'a> {
    /// Key for tokens.
    pub token_key: &'a TokenKey,
    /// Today's date in China, for birth-date checks.
    pub today: Date,
}

/// Field access that records type errors as it goes.
pub(super) struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: String,
    issues: &'a mut Vec<Issue>,
}

impl<'a> Fields<'a> {
    /// The fields of `object`, reporting into `issues`.
    pub(super) fn of(object: &'a Map<String, Value>, issues: &'a mut Vec<Issue>) -> Fields<'a> {
        Fields {
            object,
            prefix: String::new(),
            issues,
        }
    }
}

impl<'a> Fields<'a> {
    pub(super) fn path(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }

    pub(super) fn issue(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        let path = self.path(field);
        self.issues.push(Issue::error(path, code, message));
    }

    /// A string field; `None` when absent, null or of the wrong type (reported).
    pub(super) fn string(&mut self, field: &str, required: bool) -> Option<String> {
        match self.object.get(field) {
            None | Some(Value::Null) => {
                if required {
                    self.issue(
                        field,
                        "missing_field",
                        format!("{} is required", self.path(field)),
                    );
                }
                None
            }
            Some(Value::String(text)) => {
                let text = normalise::text(text);
                if text.is_empty() {
                    if required {
                        self.issue(
                            field,
                            "missing_field",
                            format!("{} is empty", self.path(field)),
                        );
                    }
                    None
                } else {
                    Some(text)
                }
            }
            Some(other) => {
                let message = format!("{} must be a string, not {}", self.path(field), kind(other));
                self.issue(field, "wrong_type", message);
                None
            }
        }
    }

    fn number(&mut self, field: &str) -> Option<f64> {
        match self.object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_f64(),
            Some(other) => {
                let message = format!("{} must be a number, not {}", self.path(field), kind(other));
                self.issue(field, "wrong_type", message);
                None
            }
        }
    }

    fn object(&mut self, field: &str, required: bool) -> Option<&'a Map<String, Value>> {
        match self.object.get(field) {
            None | Some(Value::Null) => {
                if required {
                    self.issue(
                        field,
                        "missing_field",
                        format!("{} is required", self.path(field)),
                    );
                }
                None
            }
            Some(Value::Object(object)) => Some(object),
            Some(other) => {
                let message = format!(
                    "{} must be an object, not {}",
                    self.path(field),
                    kind(other)
                );
                self.issue(field, "wrong_type", message);
                None
            }
        }
    }

    fn array(&mut self, field: &str) -> &'a [Value] {
        match self.object.get(field) {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(other) => {
                let message = format!("{} must be an array, not {}", self.path(field), kind(other));
                self.issue(field, "wrong_type", message);
                &[]
            }
        }
    }

    /// A nested object's fields, reported under `prefix.`.
    fn nested<'b>(&'b mut self, object: &'a Map<String, Value>, prefix: String) -> Fields<'b>
    where
        'a: 'b,
    {
        Fields {
            object,
            prefix,
            issues: self.issues,
        }
    }

    fn wrong_type_at(&self, field: &str) -> bool {
        self.object
            .get(field)
            .is_some_and(|value| !matches!(value, Value::Null | Value::Number(_)))
    }

    /// Coordinates from `lat` and `lng` fields; both or neither.
    fn coordinates(&mut self) -> Option<Coordinates> {
        let lat = self.number("lat");
        let lng = self.number("lng");
        match (lat, lng) {
            (Some(lat), Some(lng)) => match normalise::coordinates(lat, lng) {
                Ok(point) => Some(point),
                Err(error) => {
                    self.issue("lat", error.code(), error.to_string());
                    None
                }
            },
            (None, None) => None,
            // A value of the wrong type was already reported.
            _ if self.wrong_type_at("lat") || self.wrong_type_at("lng") => None,
            _ => {
                self.issue(
                    "lat",
                    "coordinates_incomplete",
                    format!(
                        "{}lat and {}lng must be given together",
                        self.prefix, self.prefix
                    ),
                );
                None
            }
        }
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The merchant_id of a row, if it can be read, for error reports.
pub fn merchant_id_of(value: &Value) -> Option<String> {
    value
        .get("merchant_id")
        .and_then(Value::as_str)
        .map(|id| normalise::text(id).to_ascii_uppercase())
}

/// Validate one row. Returns the record, or every error found. Warnings are
/// pushed to `warnings` in both cases.
pub fn validate(
    value: &Value,
    context: &Context<'_>,
    warnings: &mut Vec<Issue>,
) -> Result<ValidRow, Vec<Issue>> {
    let mut issues = Vec::new();
    let Value::Object(object) = value else {
        issues.push(Issue::error(
            "",
            "row_not_object",
            format!("a row must be a JSON object, not {}", kind(value)),
        ));
        return Err(issues);
    };
    for field in object.keys() {
        if !KNOWN_FIELDS.contains(&field.as_str()) {
            warnings.push(Issue::warning(
                field.clone(),
                "unknown_field",
                format!("field {field:?} is not in the batch format and was ignored"),
            ));
        }
    }
    let mut row = Fields {
        object,
        prefix: String::new(),
        issues: &mut issues,
    };

    let merchant_id = row.string("merchant_id", true).and_then(|raw| {
        MerchantId::parse(&raw)
            .map_err(|e| row.issue("merchant_id", e.code(), e.to_string()))
            .ok()
    });
    let name = row.string("name", true);
    let uscc = row.string("uscc", false).and_then(|raw| {
        Uscc::parse(&raw)
            .map_err(|e| row.issue("uscc", e.code(), e.to_string()))
            .ok()
    });
    if let Some(uscc) = &uscc
        && !uscc.org_code_valid()
    {
        warnings.push(Issue::warning(
            "uscc",
            "uscc_org_code",
            "positions 9-17 fail the GB 11714 organisation code check (accepted: legacy data)",
        ));
    }
    let mcc = row.string("mcc", true).and_then(|raw| {
        Mcc::parse(&raw)
            .map_err(|e| row.issue("mcc", e.code(), e.to_string()))
            .ok()
    });
    let address = row.string("address", true);
    let region_code = row.string("region_code", false).and_then(|raw| {
        RegionCode::parse(&raw)
            .map_err(|e| row.issue("region_code", e.code(), e.to_string()))
            .ok()
    });
    let location = row.coordinates();
    let legal_rep = row.object("legal_rep", true).and_then(|object| {
        legal_rep(
            &mut row.nested(object, "legal_rep.".into()),
            context,
            warnings,
        )
    });
    let contact_phone = row.string("contact_phone", false).and_then(|raw| {
        MobilePhone::parse(&raw)
            .map(|phone| phone.protect(context.token_key))
            .map_err(|e| row.issue("contact_phone", e.code(), e.to_string()))
            .ok()
    });
    let settlement_account = row.object("settlement_account", true).and_then(|object| {
        settlement_account(
            &mut row.nested(object, "settlement_account.".into()),
            context,
            warnings,
        )
    });
    let mut terminals = Vec::new();
    for (index, item) in row.array("terminals").iter().enumerate() {
        let prefix = format!("terminals[{index}].");
        match item {
            Value::Object(object) => {
                if let Some(terminal) = terminal(&mut row.nested(object, prefix)) {
                    terminals.push(terminal);
                }
            }
            other => {
                let message = format!("terminals[{index}] must be an object, not {}", kind(other));
                row.issue(&format!("terminals[{index}]"), "wrong_type", message);
            }
        }
    }
    let mut photos = Vec::new();
    for (index, item) in row.array("photos").iter().enumerate() {
        let prefix = format!("photos[{index}].");
        match item {
            Value::Object(object) => {
                if let Some(photo) = photo_request(&mut row.nested(object, prefix)) {
                    photos.push(photo);
                }
            }
            other => {
                let message = format!("photos[{index}] must be an object, not {}", kind(other));
                row.issue(&format!("photos[{index}]"), "wrong_type", message);
            }
        }
    }
    let onboarded_at = row
        .string("onboarded_at", false)
        .and_then(|raw| date(&mut row, "onboarded_at", &raw));
    let status = status(&mut row);

    match (
        merchant_id,
        name,
        mcc,
        address,
        legal_rep,
        settlement_account,
        status,
    ) {
        (
            Some(merchant_id),
            Some(name),
            Some(mcc),
            Some(address),
            Some(legal_rep),
            Some(settlement_account),
            Some(status),
        ) if issues.is_empty() => Ok(ValidRow {
            record: MerchantRecord {
                merchant_id: merchant_id.into_string(),
                name,
                uscc: uscc.map(Uscc::into_string),
                mcc: mcc.as_str().to_owned(),
                address,
                region_code: region_code.map(|code| code.as_str().to_owned()),
                location,
                legal_rep,
                contact_phone,
                settlement_account,
                terminals,
                photos: Vec::new(),
                onboarded_at,
                status,
            },
            photos,
        }),
        _ => Err(issues),
    }
}

/// An identity document from `id_type` (default `resident_id`) and
/// `id_number`: its type and token.
pub(super) fn id_document(
    fields: &mut Fields<'_>,
    required: bool,
    context: &Context<'_>,
    warnings: &mut Vec<Issue>,
) -> (Option<IdType>, Option<Protected>) {
    let id_type = match fields.string("id_type", false).as_deref() {
        None | Some("resident_id") => Some(IdType::ResidentId),
        Some("passport") => Some(IdType::Passport),
        Some("hk_macao_permit") => Some(IdType::HkMacaoPermit),
        Some("other") => Some(IdType::Other),
        Some(_) => {
            fields.issue(
                "id_type",
                "invalid_enum",
                "id_type must be resident_id, passport, hk_macao_permit or other",
            );
            None
        }
    };
    let id = fields.string("id_number", required).and_then(|raw| {
        let id_type = id_type?;
        match id_type {
            IdType::ResidentId => match ResidentId::parse(&raw, context.today) {
                Ok(id) => {
                    if id.is_legacy() {
                        warnings.push(Issue::warning(
                            fields.path("id_number"),
                            "id_legacy_converted",
                            "15-digit legacy resident ID converted to 18 digits",
                        ));
                    }
                    Some(id.protect(context.token_key))
                }
                Err(e) => {
                    fields.issue("id_number", e.code(), e.to_string());
                    None
                }
            },
            other => match normalise::document_number(&raw) {
                Ok(number) => {
                    let kind = match other {
                        IdType::Passport => TokenKind::Passport,
                        IdType::HkMacaoPermit => TokenKind::HkMacaoPermit,
                        _ => TokenKind::OtherId,
                    };
                    Some(context.token_key.protect(kind, &number))
                }
                Err(e) => {
                    fields.issue("id_number", e.code(), e.to_string());
                    None
                }
            },
        }
    });
    (id_type, id)
}

fn legal_rep(
    fields: &mut Fields<'_>,
    context: &Context<'_>,
    warnings: &mut Vec<Issue>,
) -> Option<LegalRep> {
    let name = fields.string("name", true);
    let (id_type, id) = id_document(fields, true, context, warnings);
    let phone = phone(fields, "phone", context);
    Some(LegalRep {
        name: name?,
        id_type: id_type?,
        id: id?,
        phone,
    })
}

pub(super) fn phone(
    fields: &mut Fields<'_>,
    field: &str,
    context: &Context<'_>,
) -> Option<Protected> {
    fields.string(field, false).and_then(|raw| {
        MobilePhone::parse(&raw)
            .map(|phone| phone.protect(context.token_key))
            .map_err(|e| fields.issue(field, e.code(), e.to_string()))
            .ok()
    })
}

/// A settlement account number from `number_field`, of the kind in
/// `kind_field` (inferred when absent).
pub(super) fn account_number(
    fields: &mut Fields<'_>,
    number_field: &str,
    kind_field: &str,
    required: bool,
    warnings: &mut Vec<Issue>,
) -> Option<AccountNumber> {
    let declared = match fields.string(kind_field, false).as_deref() {
        None => Some(None),
        Some("card") => Some(Some(AccountKind::Card)),
        Some("corporate") => Some(Some(AccountKind::Corporate)),
        Some(_) => {
            fields.issue(kind_field, "invalid_enum", "kind must be card or corporate");
            None
        }
    };
    fields.string(number_field, required).and_then(|raw| {
        match AccountNumber::parse(&raw, declared?) {
            Ok(number) => {
                if number.kind() == AccountKind::Card && !number.luhn_valid() {
                    warnings.push(Issue::warning(
                        fields.path(number_field),
                        "account_luhn_legacy",
                        "card number fails the Luhn check (accepted: not a UnionPay 62 BIN)",
                    ));
                }
                Some(number)
            }
            Err(e) => {
                fields.issue(number_field, e.code(), e.to_string());
                None
            }
        }
    })
}

fn settlement_account(
    fields: &mut Fields<'_>,
    context: &Context<'_>,
    warnings: &mut Vec<Issue>,
) -> Option<SettlementAccount> {
    let number = account_number(fields, "number", "kind", true, warnings);
    let name = fields.string("name", true);
    let bank = fields.string("bank", false);
    let number = number?;
    Some(SettlementAccount {
        kind: number.kind(),
        number: number.protect(context.token_key),
        name: name?,
        bank,
    })
}

fn terminal(fields: &mut Fields<'_>) -> Option<Terminal> {
    let terminal_id = fields.string("terminal_id", true).and_then(|raw| {
        TerminalId::parse(&raw)
            .map_err(|e| fields.issue("terminal_id", e.code(), e.to_string()))
            .ok()
    });
    let sn = fields.string("sn", false).and_then(|raw| {
        TerminalSn::parse(&raw)
            .map_err(|e| fields.issue("sn", e.code(), e.to_string()))
            .ok()
    });
    let vendor = fields.string("vendor", false);
    let model = fields.string("model", false);
    let location = fields.coordinates();
    Some(Terminal {
        terminal_id: terminal_id?.into_string(),
        sn: sn.map(TerminalSn::into_string),
        vendor,
        model,
        location,
    })
}

fn photo_request(fields: &mut Fields<'_>) -> Option<PhotoRequest> {
    let kind = match fields.string("kind", true).as_deref() {
        Some("storefront") => Some(PhotoKind::Storefront),
        Some("interior") => Some(PhotoKind::Interior),
        Some("license") => Some(PhotoKind::License),
        Some("id_front") => Some(PhotoKind::IdFront),
        Some("id_back") => Some(PhotoKind::IdBack),
        Some(_) => {
            fields.issue(
                "kind",
                "invalid_enum",
                "kind must be storefront, interior, license, id_front or id_back",
            );
            None
        }
        None => None,
    };
    let file = fields.string("file", true);
    Some(PhotoRequest {
        kind: kind?,
        file: file?,
        field: fields.path("file"),
    })
}

fn status(fields: &mut Fields<'_>) -> Option<MerchantStatus> {
    match fields.string("status", false).as_deref() {
        None | Some("active") => Some(MerchantStatus::Active),
        Some("terminated") => {
            let reason = fields.string("termination_reason", false);
            let at = fields
                .string("terminated_at", false)
                .and_then(|raw| date(fields, "terminated_at", &raw));
            Some(MerchantStatus::Terminated { reason, at })
        }
        Some(_) => {
            fields.issue(
                "status",
                "invalid_enum",
                "status must be active or terminated",
            );
            None
        }
    }
}

/// An ISO-8601 date (`2024-03-01`), or the date part of an RFC 3339 time.
fn date(fields: &mut Fields<'_>, field: &str, raw: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = raw.get(..10).unwrap_or(raw);
    let rest_ok = raw.len() == 10 || raw.as_bytes().get(10) == Some(&b'T');
    match Date::parse(day, format) {
        Ok(date) if rest_ok => Some(date.to_string()),
        _ => {
            fields.issue(
                field,
                "invalid_date",
                format!(
                    "{} must be an ISO-8601 date like 2024-03-01",
                    fields.path(field)
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> (TokenKey, Date) {
        (
            TokenKey::from_bytes([7; 32]),
            time::macros::date!(2026 - 11 - 22),
        )
    }

    fn good_row() -> Value {
        json!({
            "merchant_id": "898440358120001",
            "name": "深圳市老王烟酒商行",
            "mcc": "5411",
            "address": "广东省深圳市福田区深南大道1号",
            "legal_rep": {"name": "王伟", "id_type": "resident_id", "id_number": "440304199001011233", "phone": "+86 138-0013-8000"},
            "settlement_account": {"number": "6217000000000000004", "name": "王伟", "bank": "建设银行"},
            "terminals": [{"terminal_id": "12345678", "sn": "sn-n5a-0001"}],
            "vendor_extra": 1
        })
    }

    fn run(value: &Value) -> (Result<ValidRow, Vec<Issue>>, Vec<Issue>) {
        let (key, today) = context();
        let mut warnings = Vec::new();
        let result = validate(
            value,
            &Context {
                token_key: &key,
                today,
            },
            &mut warnings,
        );
        (result, warnings)
    }

    fn codes(issues: &[Issue]) -> Vec<(String, &'static str)> {
        issues.iter().map(|i| (i.field.clone(), i.code)).collect()
    }

    #[test]
    fn a_good_row_becomes_a_record_with_tokens_and_masks_only() {
        let (result, warnings) = run(&good_row());
        let row = result.unwrap();
        let json = serde_json::to_string(&row.record).unwrap();
        assert!(!json.contains("440304199001011233"));
        assert!(!json.contains("13800138000"));
        assert!(!json.contains("6217000000000000004"));
        assert_eq!(row.record.legal_rep.id.masked, "440304********1233");
        assert_eq!(row.record.settlement_account.kind, AccountKind::Card);
        assert_eq!(row.record.terminals[0].sn.as_deref(), Some("N5A0001"));
        assert_eq!(
            codes(&warnings),
            vec![("vendor_extra".to_owned(), "unknown_field")]
        );
    }

    #[test]
    fn every_problem_in_a_row_is_reported_with_its_field() {
        let mut value = good_row();
        value["mcc"] = json!(5411);
        value["legal_rep"]["id_number"] = json!("440304199001011234");
        value["settlement_account"]["number"] = json!("6217000000000000005");
        value["lat"] = json!(51.5);
        value["lng"] = json!(-0.12);
        value.as_object_mut().unwrap().remove("address");
        let (result, _) = run(&value);
        let issues = result.unwrap_err();
        assert_eq!(
            codes(&issues),
            vec![
                ("mcc".to_owned(), "wrong_type"),
                ("address".to_owned(), "missing_field"),
                ("lat".to_owned(), "coordinates_out_of_range"),
                ("legal_rep.id_number".to_owned(), "id_check_digit"),
                ("settlement_account.number".to_owned(), "account_luhn"),
            ]
        );
        for issue in &issues {
            assert!(
                !issue.message.contains("440304199001011234"),
                "{}",
                issue.message
            );
            assert!(
                !issue.message.contains("6217000000000000005"),
                "{}",
                issue.message
            );
        }
    }

    #[test]
    fn a_row_that_is_not_an_object_is_one_error() {
        let (result, _) = run(&json!([1, 2]));
        assert_eq!(
            codes(&result.unwrap_err()),
            vec![(String::new(), "row_not_object")]
        );
    }
}
