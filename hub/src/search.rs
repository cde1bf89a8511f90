//! Search for risk teams: find merchants by an exact identifier the hub
//! tokenises on the way in (resident ID, phone, account, USCC, terminal SN,
//! merchant number) or, when the query is none of those, by fuzzy text over
//! names and addresses; and the person view (every merchant behind one legal
//! representative or one linked cluster, across acquirers).
//!
//! The raw value in a query is parsed, tokenised and dropped: it is never
//! stored or logged, and results carry masked forms only.
//!
//! Free text goes to the candidate index ([`Linker::search`]): the query is
//! folded as names and addresses are (full-width, traditional characters,
//! Chinese numerals) and matched on character 2-grams, so `老王煙酒` finds
//! `老王烟酒店` and `建设路五十七号` finds `建设路57号`. Hits come best first
//! with their relevance (BM25 over the 2-grams), which orders one answer
//! and means nothing across answers.

use std::collections::BTreeSet;

use matcher::{AccountNumber, MobilePhone, ResidentId, TerminalSn, TokenKey, Uscc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::auth::Principal;
use crate::linking::{LinkError, Linker};
use crate::store::{AlertFilter, MemberRow, SharedValue, Store, StoreError};

/// Free-text hits returned when the query does not ask for a number.
pub const DEFAULT_TEXT_HITS: usize = 20;

/// The most free-text hits one query may ask for.
pub const MAX_TEXT_HITS: usize = 100;

/// What a query string was recognised as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryKind {
    /// A resident identity number (tokenised).
    ResidentId(String),
    /// A mobile phone (tokenised).
    Phone(String),
    /// A unified social credit code.
    Uscc(String),
    /// A settlement account number (tokenised).
    Account(String),
    /// A terminal SN or a merchant number (both are looked up).
    Code(String),
    /// Anything else: fuzzy text over names and addresses.
    Text,
}

impl QueryKind {
    /// The name of the field searched, as reported in results.
    pub fn field(&self) -> &'static str {
        match self {
            QueryKind::ResidentId(_) => "legal_rep.id",
            QueryKind::Phone(_) => "phone",
            QueryKind::Uscc(_) => "uscc",
            QueryKind::Account(_) => "settlement_account.number",
            QueryKind::Code(_) => "terminals.sn or merchant_id",
            QueryKind::Text => "name or address",
        }
    }
}

/// Why a search was refused.
#[derive(Debug, Error)]
pub enum SearchError {
    /// Subscribers read the feed only.
    #[error("subscribers read the feed only")]
    Forbidden,
    /// Nothing usable in the query.
    #[error("query is empty or too long (1-200 characters)")]
    BadQuery,
    /// A hit count out of range.
    #[error("limit must be between 1 and {MAX_TEXT_HITS}")]
    BadLimit,
    /// No such merchant for the person view.
    #[error("no such merchant")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The candidate index failed.
    #[error(transparent)]
    Index(#[from] LinkError),
}

/// One merchant found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
// matcher's screening hit is `Hit` in the OpenAPI document.
#[schema(as = SearchHit)]
pub struct Hit {
    /// Owning acquirer.
    pub acquirer: String,
    /// Merchant number; absent for another acquirer's merchant when the viewer is an acquirer.
    pub merchant_id: Option<String>,
    /// Registered name (masked for another acquirer's merchant).
    pub name: String,
    /// Legal representative's name (masked likewise).
    pub legal_rep_name: String,
    /// Masked legal-rep document.
    pub legal_rep_id: String,
    /// Text relevance, for free-text hits only (see the module documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevance: Option<f32>,
}

/// The answer to a search.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchResult {
    /// The field searched.
    pub matched_field: String,
    /// Merchants found, by acquirer and merchant number.
    pub hits: Vec<Hit>,
}

/// Every merchant behind one person.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PersonView {
    /// Masked legal-rep documents of the person (several for a linked cluster).
    pub legal_reps: Vec<String>,
    /// Merchants with the same legal-rep document.
    pub merchants: Vec<Hit>,
    /// Merchants of other documents tied to this person by linked alerts.
    pub linked: Vec<Hit>,
    /// Ids of the one_person_many_merchants alerts involved.
    pub alerts: Vec<i64>,
    /// Number of acquirers across all merchants.
    pub acquirers: usize,
}

/// Recognise what a query is. Order matters: a resident ID is also
/// alphanumeric, a phone is also digits.
pub fn classify(query: &str, key: &TokenKey, today: time::Date) -> Option<QueryKind> {
    let text = matcher::normalise::text(query);
    if let Ok(id) = ResidentId::parse(&text, today) {
        return Some(QueryKind::ResidentId(id.protect(key).token.to_string()));
    }
    if let Ok(phone) = MobilePhone::parse(&text) {
        return Some(QueryKind::Phone(phone.protect(key).token.to_string()));
    }
    if let Ok(uscc) = Uscc::parse(&text) {
        return Some(QueryKind::Uscc(uscc.into_string()));
    }
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() >= 12
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(account) = AccountNumber::parse(&digits, None)
    {
        return Some(QueryKind::Account(account.protect(key).token.to_string()));
    }
    if let Ok(code) = TerminalSn::parse(&text) {
        return Some(QueryKind::Code(code.into_string()));
    }
    None
}

/// What the audit log keeps of a query: the field it was recognised as, and
/// a form safe to store (a token for an ID, phone or account; the code for a
/// USCC or SN; free text with long digit runs masked).
pub fn audit_form(query: &str, key: &TokenKey) -> (&'static str, String) {
    match classify(query, key, crate::clock::today_in_china()) {
        Some(kind) => {
            let field = kind.field();
            let value = match kind {
                QueryKind::ResidentId(token)
                | QueryKind::Phone(token)
                | QueryKind::Account(token) => format!("token:{token}"),
                QueryKind::Uscc(code) | QueryKind::Code(code) => code,
                QueryKind::Text => crate::audit::redact_digits(query),
            };
            (field, value)
        }
        None => (QueryKind::Text.field(), crate::audit::redact_digits(query)),
    }
}

fn mask(name: &str) -> String {
    crate::alerts::mask_name(name)
}

fn hit_for(principal: &Principal, member: &MemberRow) -> Hit {
    if principal.may_read_acquirer(&member.acquirer) {
        Hit {
            acquirer: member.acquirer.clone(),
            merchant_id: Some(member.merchant_id.clone()),
            name: member.name.clone(),
            legal_rep_name: member.legal_rep_name.clone(),
            legal_rep_id: member.legal_rep_id_masked.clone(),
            relevance: None,
        }
    } else {
        Hit {
            acquirer: member.acquirer.clone(),
            merchant_id: None,
            name: mask(&member.name),
            legal_rep_name: mask(&member.legal_rep_name),
            legal_rep_id: member.legal_rep_id_masked.clone(),
            relevance: None,
        }
    }
}

/// What to search and how to answer.
#[derive(Clone, Copy)]
pub struct Searcher<'a> {
    /// The store.
    pub store: &'a Store,
    /// The candidate index, for free text.
    pub linker: &'a Linker,
    /// The token key, for identifiers.
    pub key: &'a TokenKey,
}

/// Search merchants by an identifier or, failing that, by text (at most
/// `limit` text hits, [`DEFAULT_TEXT_HITS`] when `None`).
pub async fn search(
    searcher: Searcher<'_>,
    principal: &Principal,
    query: &str,
    limit: Option<usize>,
) -> Result<SearchResult, SearchError> {
    if principal.role == crate::auth::Role::Subscriber {
        return Err(SearchError::Forbidden);
    }
    if query.trim().is_empty() || query.chars().count() > 200 {
        return Err(SearchError::BadQuery);
    }
    let limit = limit.unwrap_or(DEFAULT_TEXT_HITS);
    if !(1..=MAX_TEXT_HITS).contains(&limit) {
        return Err(SearchError::BadLimit);
    }
    let store = searcher.store;
    let kind =
        classify(query, searcher.key, crate::clock::today_in_china()).unwrap_or(QueryKind::Text);
    if kind == QueryKind::Text {
        return text_search(searcher, principal, query, limit).await;
    }
    if matches!(
        kind,
        QueryKind::ResidentId(_) | QueryKind::Phone(_) | QueryKind::Account(_)
    ) {
        // A token under a key the store has rotated away from would find
        // nothing, and "not found" would be a false answer.
        store.ensure_token_key(&searcher.key.fingerprint()).await?;
    }
    let mut members = match &kind {
        QueryKind::ResidentId(token) => {
            store
                .merchants_sharing(SharedValue::LegalRep(token))
                .await?
        }
        QueryKind::Phone(token) => store.merchants_sharing(SharedValue::Phone(token)).await?,
        QueryKind::Account(token) => store.merchants_sharing(SharedValue::Account(token)).await?,
        QueryKind::Uscc(uscc) => store.merchants_sharing(SharedValue::Uscc(uscc)).await?,
        QueryKind::Code(code) => {
            let match_key = TerminalSn::parse(code)
                .map(|sn| sn.match_key())
                .unwrap_or_default();
            let mut found = store
                .merchants_sharing(SharedValue::TerminalSn(&match_key))
                .await?;
            found.extend(
                store
                    .merchants_sharing(SharedValue::MerchantId(code))
                    .await?,
            );
            found
        }
        QueryKind::Text => Vec::new(),
    };
    members.sort_by(|a, b| (&a.acquirer, &a.merchant_id).cmp(&(&b.acquirer, &b.merchant_id)));
    members.dedup_by_key(|m| m.pk);
    Ok(SearchResult {
        matched_field: kind.field().to_owned(),
        hits: members.iter().map(|m| hit_for(principal, m)).collect(),
    })
}

/// Free text: the index's best hits, in its order, with their relevance.
async fn text_search(
    searcher: Searcher<'_>,
    principal: &Principal,
    query: &str,
    limit: usize,
) -> Result<SearchResult, SearchError> {
    let found = searcher.linker.search(query.to_owned(), limit).await?;
    let keys: Vec<i64> = found.iter().map(|(pk, _)| *pk).collect();
    let members: std::collections::HashMap<i64, MemberRow> = searcher
        .store
        .members_by_pk(&keys)
        .await?
        .into_iter()
        .map(|m| (m.pk, m))
        .collect();
    // A hit the store no longer has is an index document ahead of or behind
    // it (a batch in flight): left out.
    let hits = found
        .iter()
        .filter_map(|(pk, relevance)| {
            let member = members.get(pk)?;
            Some(Hit {
                relevance: Some(*relevance),
                ..hit_for(principal, member)
            })
        })
        .collect();
    Ok(SearchResult {
        matched_field: QueryKind::Text.field().to_owned(),
        hits,
    })
}

/// Every merchant behind the legal representative of one merchant, plus
/// those tied to it by linked alerts.
pub async fn person(
    store: &Store,
    principal: &Principal,
    acquirer: &str,
    merchant_id: &str,
) -> Result<PersonView, SearchError> {
    if principal.role == crate::auth::Role::Subscriber {
        return Err(SearchError::Forbidden);
    }
    // An acquirer starts from its own merchants only.
    if !principal.may_read_acquirer(acquirer) {
        return Err(SearchError::NotFound);
    }
    let start = store
        .merchants_sharing(SharedValue::MerchantId(merchant_id))
        .await?
        .into_iter()
        .find(|m| m.acquirer == acquirer)
        .ok_or(SearchError::NotFound)?;
    let merchants = store
        .merchants_sharing(SharedValue::LegalRep(&start.legal_rep_id_token))
        .await?;
    let mut legal_reps: BTreeSet<String> = BTreeSet::from([start.legal_rep_id_masked.clone()]);
    let mut linked: Vec<MemberRow> = Vec::new();
    let mut alert_ids = BTreeSet::new();
    let pks: BTreeSet<i64> = merchants.iter().map(|m| m.pk).collect();
    for alert in store
        .list_alerts(&AlertFilter {
            alert_type: Some("one_person_many_merchants".into()),
            acquirer: Some(acquirer.to_owned()),
            limit: 1000,
            ..AlertFilter::default()
        })
        .await?
    {
        let members: Vec<serde_json::Value> =
            serde_json::from_str(&alert.members).map_err(StoreError::from)?;
        let involves = members
            .iter()
            .any(|m| m["acquirer"] == acquirer && m["merchant_id"] == merchant_id);
        if !involves {
            continue;
        }
        alert_ids.insert(alert.id);
        for m in members {
            let (Some(a), Some(id)) = (m["acquirer"].as_str(), m["merchant_id"].as_str()) else {
                continue;
            };
            for row in store.merchants_sharing(SharedValue::MerchantId(id)).await? {
                if row.acquirer == a
                    && !pks.contains(&row.pk)
                    && !linked.iter().any(|l| l.pk == row.pk)
                {
                    legal_reps.insert(row.legal_rep_id_masked.clone());
                    linked.push(row);
                }
            }
        }
    }
    let acquirers: BTreeSet<&str> = merchants
        .iter()
        .chain(linked.iter())
        .map(|m| m.acquirer.as_str())
        .collect();
    Ok(PersonView {
        legal_reps: legal_reps.into_iter().collect(),
        merchants: merchants.iter().map(|m| hit_for(principal, m)).collect(),
        linked: linked.iter().map(|m| hit_for(principal, m)).collect(),
        alerts: alert_ids.into_iter().collect(),
        acquirers: acquirers.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_recognised_by_the_identifier_they_hold() {
        let key = TokenKey::from_bytes([1; 32]);
        let today = time::macros::date!(2026 - 11 - 22);
        let kind = |q| classify(q, &key, today);
        assert!(matches!(
            kind("11010519491231002x"),
            Some(QueryKind::ResidentId(_))
        ));
        assert!(matches!(
            kind("+86 138-0013-8000"),
            Some(QueryKind::Phone(_))
        ));
        assert!(matches!(
            kind("91350100M000100Y43"),
            Some(QueryKind::Uscc(_))
        ));
        assert!(matches!(
            kind("6217 0000 0000 0000 004"),
            Some(QueryKind::Account(_))
        ));
        assert!(matches!(kind("SN: N5-000001"), Some(QueryKind::Code(_))));
        // Free text is no identifier: it goes to the text index.
        assert_eq!(kind("老王烟酒"), None);
    }
}
