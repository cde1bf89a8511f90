//! Screening a merchant against the blacklist (SPEC §7), MATCH/VMSS-style:
//! for every entry that may concern the merchant, a match code per field
//! and a decision — `blocked`, `review` or `clear`.
//!
//! One [`Screener`] serves every caller: the hub screening prospective
//! merchants and every batch row, the retro screen when an entry becomes
//! active, and a member screening offline against its feed mirror. Same
//! entries in, same decisions out, wherever it runs.
//!
//! Candidates come from postings, never a scan of the list: exact keys for
//! every identifier (USCC, identity-document, phone and account tokens, the
//! terminal SN's match key) and, for merchant and outsourcer names, the
//! name core, its family key and its character bigrams. Each candidate is
//! then compared field by field with the same normalisers and similarity
//! measures as cross-acquirer matching ([`crate::score`]).
//!
//! The decision rule, per entry:
//! - **blocked**: an identifier the entry lists matches exactly — USCC,
//!   identity document, settlement account or terminal SN — or the phone
//!   matches together with the name, or (merchants and outsourcers) the
//!   name core and the premises both match. A renamed merchant is still the
//!   same USCC, legal representative or account.
//! - **review**: weaker signs a person should weigh — the phone alone
//!   (numbers are re-issued and shared), the name (exact or similar) at the
//!   same or a similar address, or the same full name when the entry gives
//!   no address and the USCCs do not differ (two USCCs are two legal
//!   entities, and company names are registered per region: 西安市博远贸易
//!   and 石家庄市博远贸易 share a core, not a name).
//! - otherwise the entry is not a hit. A person's name alone never is: 张伟
//!   has hundreds of thousands of owners.
//!
//! The record's decision is the strongest of its hits.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::blacklist::{ListedEntry, SubjectType};
use crate::fuzzy::person_key;
use crate::normalise::{NameCore, ParsedAddress, name_core};
use crate::premises::{Premises, PremisesLevel};
use crate::record::MerchantRecord;
use crate::terminal_sn::TerminalSn;

/// Names whose cores are at least this Jaro-Winkler similar match `partial`.
pub const NAME_PARTIAL_SIMILARITY: f64 = 0.85;

/// A bigram on more entries than this proposes no candidates by itself
/// (`小吃`, `商行`); exact cores and family keys still do.
const MAX_BIGRAM_POSTINGS: usize = 5_000;

/// The answer for a record or for one entry, strongest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// No entry concerns the merchant.
    Clear,
    /// An entry may concern it: a person should look before onboarding.
    Review,
    /// An active entry lists it: do not onboard.
    Blocked,
}

impl Decision {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Clear => "clear",
            Decision::Review => "review",
            Decision::Blocked => "blocked",
        }
    }
}

/// How one field of the record compares with the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchCode {
    /// Equal after normalisation (tokens equal, for protected values).
    Exact,
    /// Similar: see the similarity.
    Partial,
    /// Different, or not given on one side.
    None,
}

/// One field's match code with its similarity (0–1, three decimals).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMatch {
    /// Exact, partial or none.
    pub code: MatchCode,
    /// Similarity behind a `partial` (1 for `exact`; absent for `none`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
}

impl FieldMatch {
    fn none() -> FieldMatch {
        FieldMatch {
            code: MatchCode::None,
            similarity: None,
        }
    }

    fn exact() -> FieldMatch {
        FieldMatch {
            code: MatchCode::Exact,
            similarity: Some(1.0),
        }
    }

    fn partial(similarity: f64) -> FieldMatch {
        FieldMatch {
            code: MatchCode::Partial,
            similarity: Some((similarity * 1000.0).round() / 1000.0),
        }
    }

    fn is_exact(&self) -> bool {
        self.code == MatchCode::Exact
    }

    fn is_some(&self) -> bool {
        self.code != MatchCode::None
    }
}

/// Every field SPEC §7 compares, for one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldMatches {
    /// Merchant name (merchant and outsourcer entries), legal representative
    /// (person entries) or account holder (account entries).
    pub name: FieldMatch,
    /// USCC.
    pub uscc: FieldMatch,
    /// The legal representative's identity document.
    pub legal_rep_id: FieldMatch,
    /// The legal representative's or the contact phone.
    pub phones: FieldMatch,
    /// The settlement account.
    pub account: FieldMatch,
    /// The business address.
    pub address: FieldMatch,
    /// Any of the merchant's terminal SNs (O/0, I/1 slips folded).
    pub terminal_sns: FieldMatch,
}

/// An entry that concerns the screened record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hit {
    /// The entry.
    pub entry_id: i64,
    /// What it lists.
    pub subject_type: SubjectType,
    /// Why it was listed.
    pub reason: crate::blacklist::Reason,
    /// What it costs.
    pub penalty: crate::blacklist::Penalty,
    /// `blocked` or `review`.
    pub decision: Decision,
    /// Field by field.
    pub fields: FieldMatches,
    /// The rule that decided, in words.
    pub rule: String,
}

/// The answer for one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screening {
    /// The strongest decision of the hits; `clear` without hits.
    pub decision: Decision,
    /// Hits, strongest first, then by entry id.
    pub hits: Vec<Hit>,
}

/// An entry with its comparable forms computed once.
#[derive(Debug, Clone)]
struct Prepared {
    entry: ListedEntry,
    /// The whole name, simplified, letters and digits only: region prefix
    /// and legal form included.
    full: Option<String>,
    core: Option<NameCore>,
    person: Option<String>,
    address: Option<(ParsedAddress, Premises)>,
    sn_key: Option<String>,
}

impl Prepared {
    fn new(entry: ListedEntry) -> Prepared {
        let subject = &entry.subject;
        let by_company_name = matches!(
            entry.subject_type,
            SubjectType::Merchant | SubjectType::Outsourcer
        );
        let core = subject
            .name
            .as_deref()
            .filter(|_| by_company_name)
            .map(name_core)
            .filter(|c| !c.is_empty());
        let full = subject
            .name
            .as_deref()
            .filter(|_| by_company_name)
            .map(full_name);
        let person = subject
            .name
            .as_deref()
            .filter(|_| !by_company_name)
            .map(person_key)
            .filter(|p| !p.is_empty());
        let address = subject.address.as_deref().map(|a| {
            let parsed = ParsedAddress::parse(a);
            let premises = Premises::parse(&parsed.remainder);
            (parsed, premises)
        });
        let sn_key = subject
            .sn
            .as_deref()
            .and_then(|sn| TerminalSn::parse(sn).ok())
            .map(|sn| sn.match_key());
        Prepared {
            entry,
            full,
            core,
            person,
            address,
            sn_key,
        }
    }

    /// Exact posting keys of the entry.
    fn keys(&self) -> Vec<String> {
        let s = &self.entry.subject;
        let mut keys = Vec::new();
        if let Some(uscc) = &s.uscc {
            keys.push(format!("uscc:{uscc}"));
        }
        if let Some(id) = &s.person_id {
            keys.push(format!("id:{}", id.token));
        }
        if let Some(phone) = &s.phone {
            keys.push(format!("phone:{}", phone.token));
        }
        if let Some(account) = &s.account {
            keys.push(format!("account:{}", account.token));
        }
        if let Some(sn) = &self.sn_key {
            keys.push(format!("sn:{sn}"));
        }
        if let Some(core) = &self.core {
            keys.push(format!("core:{}", core.as_str()));
            if core.family().chars().count() >= 3 {
                keys.push(format!("family:{}", core.family()));
            }
        }
        keys
    }
}

/// The comparable forms of the record being screened.
struct Screened<'r> {
    record: &'r MerchantRecord,
    full: String,
    core: NameCore,
    person: String,
    holder: String,
    address: ParsedAddress,
    premises: Premises,
    sn_keys: Vec<String>,
}

impl<'r> Screened<'r> {
    fn new(record: &'r MerchantRecord) -> Screened<'r> {
        let mut address = ParsedAddress::parse(&record.address);
        if let Some(declared) = record.region_code.as_deref() {
            // A declared district fills what the text leaves out, as in
            // cross-acquirer matching.
            crate::fuzzy::fill_from_declared(&mut address, declared);
        }
        let premises = Premises::parse(&address.remainder);
        let mut sn_keys: Vec<String> = record
            .terminals
            .iter()
            .filter_map(|t| t.sn.as_deref())
            .filter_map(|sn| TerminalSn::parse(sn).ok())
            .map(|sn| sn.match_key())
            .collect();
        sn_keys.sort();
        sn_keys.dedup();
        Screened {
            record,
            full: full_name(&record.name),
            core: name_core(&record.name),
            person: person_key(&record.legal_rep.name),
            holder: person_key(&record.settlement_account.name),
            address,
            premises,
            sn_keys,
        }
    }

    fn keys(&self) -> Vec<String> {
        let r = self.record;
        let mut keys = Vec::new();
        if let Some(uscc) = &r.uscc {
            keys.push(format!("uscc:{uscc}"));
        }
        keys.push(format!("id:{}", r.legal_rep.id.token));
        for phone in [&r.legal_rep.phone, &r.contact_phone].into_iter().flatten() {
            keys.push(format!("phone:{}", phone.token));
        }
        keys.push(format!("account:{}", r.settlement_account.number.token));
        keys.extend(self.sn_keys.iter().map(|k| format!("sn:{k}")));
        if !self.core.is_empty() {
            keys.push(format!("core:{}", self.core.as_str()));
            keys.push(format!("family:{}", self.core.family()));
        }
        keys
    }
}

/// The active entries, indexed for screening. Build it from the store or
/// from a feed mirror with [`Screener::insert`]; keep it current with
/// `insert` (an update replaces) and [`Screener::remove`].
#[derive(Debug, Default)]
pub struct Screener {
    entries: HashMap<i64, Prepared>,
    exact: HashMap<String, Vec<i64>>,
    bigrams: HashMap<(char, char), Vec<i64>>,
}

impl Screener {
    /// An empty list.
    pub fn new() -> Screener {
        Screener::default()
    }

    /// How many entries are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The listed entry `id`, if active.
    pub fn get(&self, id: i64) -> Option<&ListedEntry> {
        self.entries.get(&id).map(|p| &p.entry)
    }

    /// List `entry`, replacing an earlier version of it.
    pub fn insert(&mut self, entry: ListedEntry) {
        self.remove(entry.id);
        let prepared = Prepared::new(entry);
        let id = prepared.entry.id;
        for key in prepared.keys() {
            self.exact.entry(key).or_default().push(id);
        }
        if let Some(core) = &prepared.core {
            for gram in bigrams(core.as_str()) {
                self.bigrams.entry(gram).or_default().push(id);
            }
        }
        self.entries.insert(id, prepared);
    }

    /// Delist entry `id` (nothing happens if it is not listed).
    pub fn remove(&mut self, id: i64) {
        let Some(prepared) = self.entries.remove(&id) else {
            return;
        };
        for key in prepared.keys() {
            if let Some(ids) = self.exact.get_mut(&key) {
                ids.retain(|&e| e != id);
                if ids.is_empty() {
                    self.exact.remove(&key);
                }
            }
        }
        if let Some(core) = &prepared.core {
            for gram in bigrams(core.as_str()) {
                if let Some(ids) = self.bigrams.get_mut(&gram) {
                    ids.retain(|&e| e != id);
                    if ids.is_empty() {
                        self.bigrams.remove(&gram);
                    }
                }
            }
        }
    }

    /// Screen one record against every listed entry.
    pub fn screen(&self, record: &MerchantRecord) -> Screening {
        let screened = Screened::new(record);
        let mut candidates: Vec<i64> = Vec::new();
        for key in screened.keys() {
            if let Some(ids) = self.exact.get(&key) {
                candidates.extend(ids);
            }
        }
        // Names: entries sharing at least half of the shorter core's bigrams.
        let grams = bigrams(screened.core.as_str());
        if !grams.is_empty() {
            let mut shared: BTreeMap<i64, usize> = BTreeMap::new();
            for gram in &grams {
                if let Some(ids) = self.bigrams.get(gram)
                    && ids.len() <= MAX_BIGRAM_POSTINGS
                {
                    for id in ids {
                        *shared.entry(*id).or_default() += 1;
                    }
                }
            }
            for (id, count) in shared {
                let entry_grams = self.entries[&id]
                    .core
                    .as_ref()
                    .map_or(0, |c| c.as_str().chars().count().saturating_sub(1));
                if 2 * count >= grams.len().min(entry_grams).max(1) {
                    candidates.push(id);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut hits: Vec<Hit> = candidates
            .into_iter()
            .filter_map(|id| compare_prepared(&self.entries[&id], &screened))
            .collect();
        hits.sort_by(|a, b| {
            b.decision
                .cmp(&a.decision)
                .then(a.entry_id.cmp(&b.entry_id))
        });
        Screening {
            decision: hits.first().map_or(Decision::Clear, |h| h.decision),
            hits,
        }
    }
}

/// Compare one entry with one record: the hit, or `None` when the entry
/// does not concern the record. [`Screener::screen`] gives the same answer
/// for every entry it finds a candidate.
pub fn compare(entry: &ListedEntry, record: &MerchantRecord) -> Option<Hit> {
    compare_prepared(&Prepared::new(entry.clone()), &Screened::new(record))
}

/// The posting keys of a record: an entry concerns the record only if
/// they share one of these, or name bigrams (similar names only). Kept with
/// stored screens, so an entry approved later finds the screens it may
/// concern by lookup.
pub fn record_keys(record: &MerchantRecord) -> Vec<String> {
    let mut keys = Screened::new(record).keys();
    keys.sort();
    keys.dedup();
    keys
}

/// The posting keys of an entry (see [`record_keys`]).
pub fn entry_keys(entry: &ListedEntry) -> Vec<String> {
    let mut keys = Prepared::new(entry.clone()).keys();
    keys.sort();
    keys.dedup();
    keys
}

/// A name compared whole: simplified, letters and digits only.
fn full_name(name: &str) -> String {
    crate::normalise::simplified(&crate::normalise::text(name))
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

fn bigrams(core: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = core.chars().collect();
    let mut grams: Vec<(char, char)> = chars.windows(2).map(|w| (w[0], w[1])).collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

fn compare_prepared(entry: &Prepared, r: &Screened<'_>) -> Option<Hit> {
    let s = &entry.entry.subject;
    let record = r.record;
    let token_eq =
        |listed: &Option<crate::Protected>, own: Option<&crate::Protected>| match (listed, own) {
            (Some(a), Some(b)) if a.token == b.token => FieldMatch::exact(),
            _ => FieldMatch::none(),
        };
    let uscc = match (&s.uscc, &record.uscc) {
        (Some(a), Some(b)) if a == b => FieldMatch::exact(),
        _ => FieldMatch::none(),
    };
    let legal_rep_id = token_eq(&s.person_id, Some(&record.legal_rep.id));
    let phones = [
        record.legal_rep.phone.as_ref(),
        record.contact_phone.as_ref(),
    ]
    .into_iter()
    .map(|own| token_eq(&s.phone, own))
    .find(FieldMatch::is_exact)
    .unwrap_or_else(FieldMatch::none);
    let account = token_eq(&s.account, Some(&record.settlement_account.number));
    let terminal_sns = match &entry.sn_key {
        Some(key) if r.sn_keys.binary_search(key).is_ok() => FieldMatch::exact(),
        _ => FieldMatch::none(),
    };
    let name = name_match(entry, r);
    let address = address_match(entry, r);

    let company = matches!(
        entry.entry.subject_type,
        SubjectType::Merchant | SubjectType::Outsourcer
    );
    // Two USCCs that differ are two legal entities: a name alone cannot say
    // otherwise (at the same premises it still may, see below).
    let uscc_differs = matches!((&s.uscc, &record.uscc), (Some(a), Some(b)) if a != b);
    let (decision, rule) = if uscc.is_exact() {
        (Decision::Blocked, "same USCC")
    } else if legal_rep_id.is_exact() {
        (Decision::Blocked, "same identity document")
    } else if account.is_exact() {
        (Decision::Blocked, "same settlement account")
    } else if terminal_sns.is_exact() {
        (Decision::Blocked, "same terminal SN")
    } else if phones.is_exact() && name.is_some() {
        (Decision::Blocked, "same phone and name")
    } else if company && name.is_exact() && address.is_exact() {
        (Decision::Blocked, "same name at the same premises")
    } else if phones.is_exact() {
        (Decision::Review, "same phone")
    } else if company && name.is_some() && address.is_some() {
        (Decision::Review, "similar name at a similar address")
    } else if company && name.is_exact() && s.address.is_none() && !uscc_differs {
        (Decision::Review, "same name; the entry gives no address")
    } else {
        return None;
    };
    Some(Hit {
        entry_id: entry.entry.id,
        subject_type: entry.entry.subject_type,
        reason: entry.entry.reason,
        penalty: entry.entry.penalty,
        decision,
        fields: FieldMatches {
            name,
            uscc,
            legal_rep_id,
            phones,
            account,
            address,
            terminal_sns,
        },
        rule: rule.to_owned(),
    })
}

fn name_match(entry: &Prepared, r: &Screened<'_>) -> FieldMatch {
    if let Some(core) = &entry.core {
        let (a, b) = (core.as_str(), r.core.as_str());
        if b.is_empty() {
            return FieldMatch::none();
        }
        if entry.full.as_deref() == Some(r.full.as_str()) {
            return FieldMatch::exact();
        }
        if a == b {
            // The same core under another region or legal form (西安市博远
            // 贸易 / 石家庄市博远贸易): company names are registered per
            // region, so this is similar, not the same.
            let full = entry.full.as_deref().unwrap_or(a);
            let jw = strsim::jaro_winkler(full, &r.full).max(strsim::jaro_winkler(&r.full, full));
            return FieldMatch::partial(jw);
        }
        let jw = strsim::jaro_winkler(a, b).max(strsim::jaro_winkler(b, a));
        let same_family = core.family() == r.core.family() && core.family().chars().count() >= 3;
        let long_enough = a.chars().count().min(b.chars().count()) >= 3;
        if same_family || (long_enough && jw >= NAME_PARTIAL_SIMILARITY) {
            return FieldMatch::partial(jw);
        }
        return FieldMatch::none();
    }
    if let Some(person) = &entry.person {
        // A person entry names the legal representative; an account entry
        // names the holder.
        let own = match entry.entry.subject_type {
            SubjectType::SettlementAccount => &r.holder,
            _ => &r.person,
        };
        if person == own {
            return FieldMatch::exact();
        }
    }
    FieldMatch::none()
}

fn address_match(entry: &Prepared, r: &Screened<'_>) -> FieldMatch {
    let Some((parsed, premises)) = &entry.address else {
        return FieldMatch::none();
    };
    // Different districts are different premises, however alike the street.
    if let (Some(a), Some(b)) = (parsed.district, r.address.district)
        && a != b
    {
        return FieldMatch::none();
    }
    match premises.compare(&r.premises) {
        Ok(m) if m.level == PremisesLevel::Unit && m.similarity >= 0.999 => FieldMatch::exact(),
        Ok(m) => FieldMatch::partial(m.similarity),
        Err(_) => FieldMatch::none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blacklist::{ListedSubject, Penalty, Reason};
    use crate::test_support::merchant;
    use crate::{TokenKey, TokenKind};

    fn key() -> TokenKey {
        TokenKey::from_bytes([7; 32])
    }

    fn record(id: &str, name: &str) -> MerchantRecord {
        let mut m = merchant(id, name, "福建省泉州市丰泽区东海大街8号", "刘敏");
        m.uscc = Some("91350505MARFM9QC84".into());
        m.terminals.push(crate::Terminal {
            terminal_id: "T1".into(),
            sn: Some("2Q92O947361552".into()),
            vendor: None,
            model: None,
            location: None,
        });
        m
    }

    fn entry(id: i64, subject_type: SubjectType, subject: ListedSubject) -> ListedEntry {
        ListedEntry {
            id,
            subject_type,
            reason: Reason::CashOut,
            penalty: Penalty::Terminate,
            subject,
        }
    }

    #[test]
    fn a_renamed_merchant_is_blocked_by_its_uscc_id_or_account() {
        let stored = record("M1", "泉州市鼎盛家电有限公司");
        let mut renamed = stored.clone();
        renamed.name = "晋江市宏达电器商行".into();
        let listings = [
            ListedSubject {
                uscc: stored.uscc.clone(),
                name: Some(stored.name.clone()),
                ..ListedSubject::default()
            },
            ListedSubject {
                person_id: Some(stored.legal_rep.id.clone()),
                ..ListedSubject::default()
            },
            ListedSubject {
                account: Some(stored.settlement_account.number.clone()),
                ..ListedSubject::default()
            },
        ];
        for (i, subject) in listings.into_iter().enumerate() {
            let listed = entry(i as i64 + 1, SubjectType::Merchant, subject);
            // A kept screen of the renamed merchant is found by its keys.
            let keys = record_keys(&renamed);
            assert!(
                entry_keys(&listed).iter().any(|k| keys.contains(k)),
                "listing {i}"
            );
            let mut screener = Screener::new();
            screener.insert(listed);
            let screening = screener.screen(&renamed);
            assert_eq!(screening.decision, Decision::Blocked, "listing {i}");
            assert_eq!(screening.hits[0].fields.name.code, MatchCode::None);
        }
    }

    #[test]
    fn a_name_alone_reviews_at_most_and_a_person_name_alone_never_hits() {
        let mut shop = record("M1", "深圳市老王烟酒店");
        shop.uscc = None;
        let mut screener = Screener::new();
        // The same name, written in traditional characters, listed with
        // another account: a person should look.
        screener.insert(entry(
            1,
            SubjectType::Merchant,
            ListedSubject {
                name: Some("深圳市老王煙酒店".into()),
                account: Some(key().protect(TokenKind::Account, "6217000000000000004")),
                ..ListedSubject::default()
            },
        ));
        // The same core registered in another city under another USCC is
        // another legal entity.
        screener.insert(entry(
            3,
            SubjectType::Merchant,
            ListedSubject {
                name: Some("西安市老王烟酒店".into()),
                uscc: Some("91610115MA8YB47K1F".into()),
                ..ListedSubject::default()
            },
        ));
        screener.insert(entry(
            2,
            SubjectType::Person,
            ListedSubject {
                name: Some(shop.legal_rep.name.clone()),
                person_id: Some(key().protect(TokenKind::ResidentId, "11010519491231002X")),
                ..ListedSubject::default()
            },
        ));
        let screening = screener.screen(&shop);
        assert_eq!(screening.decision, Decision::Review);
        assert_eq!(screening.hits.len(), 1, "{screening:?}");
        assert_eq!(screening.hits[0].entry_id, 1);
        assert_eq!(screening.hits[0].fields.name.code, MatchCode::Exact);
        shop.uscc = Some("91350505MARFM9QC84".into());
        let other = compare(screener.get(3).unwrap(), &shop);
        assert_eq!(other, None, "different USCCs: {other:?}");
    }

    #[test]
    fn screener_and_compare_agree_and_removal_delists() {
        let shop = record("M1", "深圳市老王烟酒店");
        let listed = entry(
            9,
            SubjectType::Terminal,
            ListedSubject {
                // Listed with the digit zero; the merchant's SN has the letter O.
                sn: Some("2Q920947361552".into()),
                ..ListedSubject::default()
            },
        );
        let mut screener = Screener::new();
        screener.insert(listed.clone());
        let screening = screener.screen(&shop);
        assert_eq!(
            screening.hits,
            compare(&listed, &shop).into_iter().collect::<Vec<_>>()
        );
        assert_eq!(screening.decision, Decision::Blocked);
        screener.remove(9);
        assert_eq!(screener.screen(&shop).decision, Decision::Clear);
        assert!(screener.is_empty());
    }
}
