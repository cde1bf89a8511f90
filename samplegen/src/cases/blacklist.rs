//! Blacklist entries: comebacks that hit them, and decoys that hit nothing.

use crate::error::Error;
use crate::factory::{self, BusinessKind, Factory, Shop};
use crate::merchant::{Merchant, SnStyle};
use crate::names;
use crate::rng::{self, Rng};
use crate::truth::{BlacklistEntry, Case};

use super::unit::{Unit, acquirer_name, case, id_styles, stranger, stranger_small, style_name};

/// The Chinese name of a SPEC §7 reason code, for evidence texts.
fn reason_zh(reason: &str) -> &'static str {
    match reason {
        "cash_out" => "套现",
        "skimming" => "磁道侧录",
        "terminal_tampering" => "非法改装终端",
        "terminal_relocation" => "移机",
        "counterfeit_card_fraud" => "伪卡欺诈",
        "sensitive_data_leak" => "支付敏感信息泄露",
        "telecom_fraud" => "电信网络诈骗",
        "gambling" => "涉赌",
        "money_laundering" => "洗钱",
        "false_information" => "虚假资料",
        "account_trading" => "买卖账户",
        _ => "其他",
    }
}

fn penalty(rng: &mut Rng) -> String {
    rng::pick_weighted(
        rng,
        &[
            ("terminate", 6),
            ("suspend_transactions", 2),
            ("delay_settlement", 2),
        ],
    )
    .to_string()
}

/// An acquirer other than `reporter` when there is one.
fn other_acquirer(f: &Factory, rng: &mut Rng, reporter: usize) -> usize {
    if f.acquirers < 2 {
        return reporter;
    }
    (reporter + rng::between(rng, 1, f.acquirers as u32 - 1) as usize) % f.acquirers
}

fn blacklist_hit(unit: &mut Unit, m: &Merchant, entry: BlacklistEntry, note: String) {
    let index = unit.blacklist.len();
    unit.blacklist.push(entry);
    unit.cases.push(Case {
        blacklist_entry: Some(index),
        ..case("blacklist_hit", None, std::slice::from_ref(m), note)
    });
}

/// A blacklisted company back at another acquirer, renamed, same USCC.
pub(super) fn blacklist_merchant(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let reporter = f.acquirer(rng);
    let place = f.place(rng);
    let (industry, mcc) = *rng::pick(rng, names::COMPANY_INDUSTRIES);
    let old_name = factory::company_name(rng, place, industry);
    let uscc = f.ids().uscc(place, false)?;
    let mut new_name = factory::company_name(rng, place, industry);
    while new_name == old_name {
        new_name = factory::company_name(rng, place, industry);
    }
    let rep = f.person(rng, place)?;
    let shop = Shop {
        name: new_name.clone(),
        mcc,
        kind: BusinessKind::Company,
    };
    let acquirer = other_acquirer(f, rng, reporter);
    let mut m = f.merchant(rng, acquirer, place, shop, rep)?;
    m.uscc = Some(uscc.clone());
    let reason = rng::pick(
        rng,
        &["cash_out", "false_information", "gambling", "telecom_fraud"],
    )
    .to_string();
    let entry = BlacklistEntry {
        subject_type: "merchant".into(),
        evidence: format!("{old_name}：风险核查发现{}，已终止合作", reason_zh(&reason)),
        reason,
        penalty: penalty(rng),
        reporter: acquirer_name(reporter),
        name: Some(old_name.clone()),
        uscc: Some(uscc),
        ..BlacklistEntry::default()
    };
    let note = format!("blacklisted {old_name} back as {new_name} with the same USCC");
    blacklist_hit(unit, &m, entry, note);
    Ok(vec![m])
}

/// A blacklisted person back as a legal rep, the ID written another way.
pub(super) fn blacklist_person(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let reporter = f.acquirer(rng);
    let place = f.place(rng);
    let mut person = f.person_with_variants(rng, place)?;
    let listed_phone = person.phone.clone();
    if rng::chance(rng, 0.5) {
        person.phone = f.ids().phone()?;
    }
    let styles = id_styles(&person);
    let style = styles[1 + rng::between(rng, 0, styles.len() as u32 - 2) as usize];
    let shop = f.shop(rng, place, &person.name);
    let acquirer = other_acquirer(f, rng, reporter);
    let mut m = f.merchant(rng, acquirer, place, shop, person.clone())?;
    m.forced.id_style = Some(style);
    let reason = rng::pick(
        rng,
        &[
            "telecom_fraud",
            "money_laundering",
            "false_information",
            "cash_out",
        ],
    )
    .to_string();
    let entry = BlacklistEntry {
        subject_type: "person".into(),
        evidence: format!(
            "法定代表人{}名下商户涉{}，公安机关协查",
            person.name,
            reason_zh(&reason)
        ),
        reason,
        penalty: penalty(rng),
        reporter: acquirer_name(reporter),
        name: Some(person.name.clone()),
        id_type: Some("resident_id".into()),
        id_number: Some(person.document.number().to_owned()),
        phone: Some(listed_phone),
        ..BlacklistEntry::default()
    };
    let note = format!(
        "blacklisted person {} is legal rep again, ID written {}",
        person.name,
        style_name(style)
    );
    blacklist_hit(unit, &m, entry, note);
    Ok(vec![m])
}

/// A blacklisted card settling for a new merchant.
pub(super) fn blacklist_account(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let reporter = f.acquirer(rng);
    let place = f.place(rng);
    let holder = f.person(rng, place)?;
    let card = f.card(rng, &holder.name)?;
    let acquirer = other_acquirer(f, rng, reporter);
    let mut m = stranger_small(f, rng, acquirer, place)?;
    m.account = card.clone();
    let entry = BlacklistEntry {
        subject_type: "settlement_account".into(),
        reason: rng::pick(rng, &["account_trading", "money_laundering"]).to_string(),
        penalty: penalty(rng),
        evidence: format!(
            "结算账户（户名{}）被用于买卖账户、跨商户归集资金",
            holder.name
        ),
        reporter: acquirer_name(reporter),
        name: Some(holder.name.clone()),
        account_number: Some(card.number),
        ..BlacklistEntry::default()
    };
    let note = format!("settles to the blacklisted card of {}", holder.name);
    blacklist_hit(unit, &m, entry, note);
    Ok(vec![m])
}

/// A blacklisted terminal serial bound to a new merchant.
pub(super) fn blacklist_terminal(
    f: &mut Factory,
    rng: &mut Rng,
    unit: &mut Unit,
) -> Result<Vec<Merchant>, Error> {
    let reporter = f.acquirer(rng);
    let place = f.place(rng);
    let acquirer = other_acquirer(f, rng, reporter);
    let mut m = stranger(f, rng, acquirer, place)?;
    let mut t = f.terminal(rng, m.gps)?;
    t.sn_style = Some(SnStyle {
        lower: true,
        separator: Some('-'),
        ..SnStyle::default()
    });
    let sn = t.sn.clone();
    m.terminals = vec![t];
    let entry = BlacklistEntry {
        subject_type: "terminal".into(),
        reason: rng::pick(
            rng,
            &["terminal_tampering", "terminal_relocation", "skimming"],
        )
        .to_string(),
        penalty: penalty(rng),
        evidence: "终端被非法改装/移机使用，已回收后流出".into(),
        reporter: acquirer_name(reporter),
        sn: Some(sn.clone()),
        ..BlacklistEntry::default()
    };
    blacklist_hit(
        unit,
        &m,
        entry,
        format!("blacklisted terminal {sn} bound again, written in lower case with separators"),
    );
    Ok(vec![m])
}

/// Blacklist entries that hit nothing in the batches (screening noise).
pub(crate) fn decoy(f: &mut Factory, rng: &mut Rng, index: usize) -> Result<BlacklistEntry, Error> {
    let place = f.place(rng);
    let reporter = acquirer_name(f.acquirer(rng));
    let entry = match index % 5 {
        0 => {
            // Often a common name: screening must not block every 张伟.
            let (name, female) = if rng::chance(rng, 0.5) {
                *rng::pick(rng, names::COMMON_FULL_NAMES)
            } else {
                ("", false)
            };
            let person = if name.is_empty() {
                f.person(rng, place)?
            } else {
                f.person_named(rng, place, name, female)?
            };
            BlacklistEntry {
                subject_type: "person".into(),
                reason: "telecom_fraud".into(),
                evidence: "涉电信网络诈骗，公安机关通报".into(),
                name: Some(person.name.clone()),
                id_type: Some("resident_id".into()),
                id_number: Some(person.document.number().to_owned()),
                phone: Some(person.phone),
                ..BlacklistEntry::default()
            }
        }
        1 => {
            let (industry, _) = *rng::pick(rng, names::COMPANY_INDUSTRIES);
            BlacklistEntry {
                subject_type: "merchant".into(),
                reason: "cash_out".into(),
                evidence: "大额整数交易、夜间集中交易，套现特征明显".into(),
                name: Some(factory::company_name(rng, place, industry)),
                uscc: Some(f.ids().uscc(place, false)?),
                ..BlacklistEntry::default()
            }
        }
        2 => BlacklistEntry {
            subject_type: "terminal".into(),
            reason: "skimming".into(),
            evidence: "终端加装侧录装置".into(),
            sn: Some(f.terminal(rng, place.point)?.sn),
            ..BlacklistEntry::default()
        },
        3 => {
            let female = rng::chance(rng, 0.5);
            let holder = names::person_name(rng, female);
            BlacklistEntry {
                subject_type: "settlement_account".into(),
                reason: "account_trading".into(),
                evidence: "账户出租出借".into(),
                account_number: Some(f.card(rng, &holder)?.number),
                name: Some(holder),
                ..BlacklistEntry::default()
            }
        }
        _ => {
            let company = format!(
                "{}{}支付科技有限公司",
                place.city_short(),
                rng::pick(rng, names::COMPANY_WORDS)
            );
            BlacklistEntry {
                subject_type: "outsourcer".into(),
                reason: "money_laundering".into(),
                evidence: "外包服务机构截留、挪用商户结算资金（二清）".into(),
                uscc: Some(f.ids().uscc(place, false)?),
                account_number: Some(f.corporate_account(rng, &company, place)?.number),
                name: Some(company),
                ..BlacklistEntry::default()
            }
        }
    };
    Ok(BlacklistEntry {
        penalty: penalty(rng),
        reporter,
        ..entry
    })
}
