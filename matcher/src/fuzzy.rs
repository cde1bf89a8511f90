//! The comparable form of a merchant for fuzzy matching (SPEC §5, `linked`).
//!
//! A [`FuzzyRecord`] is computed once per stored merchant from its
//! [`MerchantRecord`] and a caller-chosen `u64` key (the hub's row id): every
//! normalisation that scoring and the candidate index need is done here, so
//! comparing two records is cheap and both sides are always read the same
//! way. It holds names and addresses in clear (SPEC §4 keeps them in clear)
//! and the legal representative's identity only as its token and masked form.
//!
//! What it derives:
//! - the name core and a *family* key ([`family_key`]): the core's family
//!   (`老王烟酒` → `王烟酒`), and for a core that ends in a bare `行`
//!   (`王氏烟酒行`, which keeps its 行 because `行` alone is no legal form)
//!   the family of the core without it;
//! - the address parsed against the gazetteer, the district filled from the
//!   declared `region_code` when the text names none, and the remainder read
//!   into [`Premises`];
//! - person names folded for comparison ([`person_key`]: simplified, only
//!   letters and digits, so `买买提·艾力` = `买买提艾力`);
//! - photo hashes: the SHA-256 of each photo by default; the hub may replace
//!   them ([`FuzzyRecord::with_photo_hashes`]) by ids of verified
//!   near-duplicate groups, because scoring compares hashes for equality;
//! - the keys under which the record counts in the rarity statistics
//!   ([`FuzzyRecord::frequency_keys`]).

use std::collections::BTreeSet;

use crate::frequency::FrequencyField;
use crate::gazetteer::{DivisionLevel, Gazetteer};
use crate::normalise::{self, NameCore, ParsedAddress, name_core};
use crate::premises::Premises;
use crate::record::{AccountKind, Coordinates, MerchantRecord, MerchantStatus, Protected};
use crate::region_code::RegionCode;

/// One merchant, normalised for fuzzy comparison. Build it with
/// [`FuzzyRecord::from_record`].
#[derive(Debug, Clone, PartialEq)]
pub struct FuzzyRecord {
    /// The caller's key for this merchant (unique in the hub).
    key: u64,
    /// The acquirer's merchant number, for display.
    merchant_id: String,
    /// Registered name as declared (text-folded), for display.
    name: String,
    /// Matching core of the name.
    core: NameCore,
    /// Shop-name family key (see [`family_key`]).
    family: String,
    /// Address parsed against the gazetteer.
    address: ParsedAddress,
    /// The remainder read into street, house number and units.
    premises: Premises,
    /// GPS of the premises.
    location: Option<Coordinates>,
    /// Legal representative's name, folded ([`person_key`]).
    legal_rep_name: String,
    /// Legal representative's identity document: token and masked form.
    legal_rep_id: Protected,
    /// Settlement account holder's name, folded ([`person_key`]).
    account_holder: String,
    /// Card or corporate account.
    account_kind: AccountKind,
    /// Photo hashes, sorted and distinct.
    photo_hashes: Vec<String>,
    /// Trading or terminated (with the date).
    status: MerchantStatus,
    /// Date the acquirer signed the merchant (ISO-8601).
    onboarded_at: Option<String>,
}

impl FuzzyRecord {
    /// Derives the comparable form of `record`, stored under `key`.
    pub fn from_record(key: u64, record: &MerchantRecord) -> FuzzyRecord {
        let mut address = ParsedAddress::parse(&record.address);
        if let Some(declared) = record.region_code.as_deref() {
            fill_from_declared(&mut address, declared);
        }
        let core = name_core(&record.name);
        let mut photo_hashes: Vec<String> =
            record.photos.iter().map(|p| p.sha256.clone()).collect();
        photo_hashes.sort();
        photo_hashes.dedup();
        FuzzyRecord {
            key,
            merchant_id: record.merchant_id.clone(),
            name: normalise::text(&record.name),
            family: family_key(&core),
            core,
            premises: Premises::parse(&address.remainder),
            address,
            location: record.location,
            legal_rep_name: person_key(&record.legal_rep.name),
            legal_rep_id: record.legal_rep.id.clone(),
            account_holder: person_key(&record.settlement_account.name),
            account_kind: record.settlement_account.kind,
            photo_hashes,
            status: record.status.clone(),
            onboarded_at: record.onboarded_at.clone(),
        }
    }

    /// Replaces the photo hashes (sorted and deduplicated here), e.g. by the
    /// ids of verified near-duplicate groups. Empty strings are dropped.
    pub fn with_photo_hashes(mut self, hashes: impl IntoIterator<Item = String>) -> FuzzyRecord {
        let set: BTreeSet<String> = hashes.into_iter().filter(|h| !h.is_empty()).collect();
        self.photo_hashes = set.into_iter().collect();
        self
    }

    /// The caller's key.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The acquirer's merchant number.
    pub fn merchant_id(&self) -> &str {
        &self.merchant_id
    }

    /// Registered name, text-folded.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Matching core of the name.
    pub fn name_core(&self) -> &NameCore {
        &self.core
    }

    /// Shop-name family key.
    pub fn family(&self) -> &str {
        &self.family
    }

    /// The parsed address.
    pub fn address(&self) -> &ParsedAddress {
        &self.address
    }

    /// The premises read from the address remainder.
    pub fn premises(&self) -> &Premises {
        &self.premises
    }

    /// The finest division known: district, else city, else province. Two
    /// records are compared as premises only within one area.
    pub fn area(&self) -> Option<RegionCode> {
        self.address.region_code()
    }

    /// The prefecture-level area (the district for county-level units a
    /// province administers directly, the province when nothing finer is
    /// known): the scope of the controller rule.
    pub fn city_area(&self) -> Option<RegionCode> {
        self.address
            .city
            .or(self.address.district)
            .or(self.address.province)
    }

    /// GPS of the premises.
    pub fn location(&self) -> Option<Coordinates> {
        self.location
    }

    /// Legal representative's name, folded.
    pub fn legal_rep_name(&self) -> &str {
        &self.legal_rep_name
    }

    /// Legal representative's identity: token and masked form.
    pub fn legal_rep_id(&self) -> &Protected {
        &self.legal_rep_id
    }

    /// Settlement account holder's name, folded.
    pub fn account_holder(&self) -> &str {
        &self.account_holder
    }

    /// Card or corporate account.
    pub fn account_kind(&self) -> AccountKind {
        self.account_kind
    }

    /// The holder of a personal card that is not the legal representative:
    /// who controls this merchant's money (a spouse, a relative, or a ring's
    /// controller). `None` for corporate accounts (an outsourcer's account
    /// settling for many is a hub, never a person) and for own cards.
    pub fn controller(&self) -> Option<&str> {
        (self.account_kind == AccountKind::Card
            && !self.account_holder.is_empty()
            && self.account_holder != self.legal_rep_name)
            .then_some(self.account_holder.as_str())
    }

    /// Photo hashes, sorted and distinct.
    pub fn photo_hashes(&self) -> &[String] {
        &self.photo_hashes
    }

    /// Trading or terminated.
    pub fn status(&self) -> &MerchantStatus {
        &self.status
    }

    /// Whether the acquirer terminated the merchant.
    pub fn is_terminated(&self) -> bool {
        matches!(self.status, MerchantStatus::Terminated { .. })
    }

    /// Termination date (ISO-8601), if terminated and dated.
    pub fn terminated_at(&self) -> Option<&str> {
        match &self.status {
            MerchantStatus::Terminated { at, .. } => at.as_deref(),
            MerchantStatus::Active => None,
        }
    }

    /// Date the acquirer signed the merchant (ISO-8601).
    pub fn onboarded_at(&self) -> Option<&str> {
        self.onboarded_at.as_deref()
    }

    /// The key of `field` for this record in the rarity statistics, if it
    /// has one (see [`FrequencyField`] for each key's form).
    pub fn frequency_key(&self, field: FrequencyField) -> Option<String> {
        let area = || self.area().map_or("-", |c| c.as_str());
        let non_empty = |s: String| (!s.is_empty()).then_some(s);
        match field {
            FrequencyField::NameCore => {
                non_empty(self.core.as_str().to_owned()).map(|c| format!("{}|{c}", area()))
            }
            FrequencyField::NameFamily => {
                non_empty(self.family.clone()).map(|f| format!("{}|{f}", area()))
            }
            FrequencyField::Premises => {
                non_empty(self.premises.unit_key()).map(|k| format!("{}|{k}", area()))
            }
            FrequencyField::Building => {
                non_empty(self.premises.building_key()).map(|k| format!("{}|{k}", area()))
            }
            FrequencyField::LegalRepName => non_empty(self.legal_rep_name.clone()),
            FrequencyField::Controller => self.controller().map(str::to_owned),
            FrequencyField::Photo => None,
        }
    }

    /// Every `(field, key)` this record adds to the rarity statistics, in a
    /// fixed order: one per field that has a key, one per photo hash. The
    /// hub counts these over all stored merchants (or keeps a
    /// [`FrequencyTable`](crate::FrequencyTable)).
    pub fn frequency_keys(&self) -> Vec<(FrequencyField, String)> {
        let mut keys: Vec<(FrequencyField, String)> = FrequencyField::ALL
            .iter()
            .filter_map(|&f| self.frequency_key(f).map(|k| (f, k)))
            .collect();
        keys.extend(
            self.photo_hashes
                .iter()
                .map(|h| (FrequencyField::Photo, h.clone())),
        );
        keys
    }
}

/// The shop-name family used for matching: [`NameCore::family`], except that
/// a core with no trade part that ends in `行` (`王氏烟酒行`) is read without
/// it when that leaves a trade (`王氏烟酒` → `王烟酒`): `行` is a shop sign
/// there, as `商行` is.
pub fn family_key(core: &NameCore) -> String {
    if core.tokens().trade.is_empty()
        && let Some(rest) = core.as_str().strip_suffix('行')
        && rest.chars().count() >= 2
    {
        let shorter = name_core(rest);
        if !shorter.tokens().trade.is_empty() {
            return shorter.family().to_owned();
        }
    }
    core.family().to_owned()
}

/// A person's name folded for comparison: simplified, letters and digits
/// only (middle dots and spaces go), ASCII upper-cased.
pub fn person_key(name: &str) -> String {
    normalise::simplified(name)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Fills divisions the address text does not name from the declared code,
/// when the code does not contradict what the text says.
pub(crate) fn fill_from_declared(address: &mut ParsedAddress, declared: &str) {
    let Ok(code) = RegionCode::parse(declared) else {
        return;
    };
    let c = code.as_str();
    let agrees = |known: Option<RegionCode>, prefix: usize| {
        known.is_none_or(|k| k.as_str()[..prefix] == c[..prefix])
    };
    let g = Gazetteer::get();
    let lookup = |s: String| g.division(&s).and_then(|d| RegionCode::parse(&d.code).ok());
    match code.division().level {
        DivisionLevel::District if address.district.is_none() => {
            if !agrees(address.province, 2) || !agrees(address.city, 4) {
                return;
            }
            address.district = Some(code);
            address.city = address.city.or_else(|| {
                lookup(format!("{}00", &c[..4]))
                    .filter(|r| r.division().level == DivisionLevel::City)
            });
            address.province = address
                .province
                .or_else(|| lookup(format!("{}0000", &c[..2])));
        }
        DivisionLevel::City if address.city.is_none() && address.district.is_none() => {
            if !agrees(address.province, 2) {
                return;
            }
            address.city = Some(code);
            address.province = address
                .province
                .or_else(|| lookup(format!("{}0000", &c[..2])));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::merchant;

    #[test]
    fn the_family_reads_a_trailing_hang_as_a_shop_sign() {
        for name in [
            "老王烟酒店",
            "老王烟酒商行",
            "王记烟酒",
            "王氏烟酒行",
            "老王家烟酒",
        ] {
            assert_eq!(family_key(&name_core(name)), "王烟酒", "{name}");
        }
        assert_eq!(family_key(&name_core("银行")), "银行");
    }

    #[test]
    fn person_names_fold_script_dots_and_spaces() {
        assert_eq!(person_key("买买提·艾力"), person_key("買買提 艾力"));
        assert_eq!(person_key(" 张 伟 "), "张伟");
    }

    #[test]
    fn the_declared_region_fills_a_missing_district() {
        let mut m = merchant("M1", "老王烟酒店", "华强北路18号", "张三");
        m.region_code = Some("440304".into());
        let r = FuzzyRecord::from_record(1, &m);
        assert_eq!(r.area().map(|c| c.as_str()), Some("440304"));
        assert_eq!(r.city_area().map(|c| c.as_str()), Some("440300"));
        // A declared code that contradicts the text is ignored.
        let mut m = merchant("M2", "老王烟酒店", "广东省深圳市华强北路18号", "张三");
        m.region_code = Some("110105".into());
        let r = FuzzyRecord::from_record(2, &m);
        assert_eq!(r.area().map(|c| c.as_str()), Some("440300"));
    }

    #[test]
    fn only_a_personal_card_in_another_name_is_a_controller() {
        let mut m = merchant("M1", "老王烟酒店", "深圳市福田区华强北路18号", "张三");
        assert_eq!(FuzzyRecord::from_record(1, &m).controller(), None);
        m.settlement_account.name = "王大富".into();
        assert_eq!(FuzzyRecord::from_record(1, &m).controller(), Some("王大富"));
        m.settlement_account.kind = AccountKind::Corporate;
        assert_eq!(FuzzyRecord::from_record(1, &m).controller(), None);
    }

    #[test]
    fn frequency_keys_are_scoped_to_the_area() {
        let r = FuzzyRecord::from_record(
            1,
            &merchant("M1", "老王烟酒店", "深圳市福田区华强北路18号3楼", "张三"),
        );
        let keys = r.frequency_keys();
        assert!(keys.contains(&(FrequencyField::NameFamily, "440304|王烟酒".into())));
        assert!(keys.contains(&(FrequencyField::Building, "440304|华强北路#18".into())));
        assert!(keys.contains(&(FrequencyField::Premises, "440304|华强北路#18/3楼".into())));
        assert!(keys.contains(&(FrequencyField::LegalRepName, "张三".into())));
    }
}
