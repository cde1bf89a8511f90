//! The blacklist's vocabulary (SPEC §7): what an entry names, why, and what
//! it costs the merchant. These names travel in the signed feed and in every
//! member's mirror, so they are part of the wire format: never rename one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::record::{IdType, Protected};

macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident => $wire:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == text)
                    .ok_or_else(|| UnknownValue {
                        what: $what,
                        value: text.chars().take(40).collect(),
                        allowed: $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", "),
                    })
            }
        }
    };
}

/// A word outside one of the vocabularies below.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}: use one of {allowed}")]
pub struct UnknownValue {
    /// Which vocabulary.
    pub what: &'static str,
    /// The word given (at most 40 characters of it).
    pub value: String,
    /// The words allowed, comma-separated.
    pub allowed: String,
}

wire_enum! {
    /// What an entry names.
    SubjectType, "subject type" {
        /// A merchant (特约商户): by name, USCC, address, its identifiers.
        Merchant => "merchant",
        /// A person, usually a legal representative: by identity document and phone.
        Person => "person",
        /// A POS terminal, by serial number.
        Terminal => "terminal",
        /// A settlement account, by number.
        SettlementAccount => "settlement_account",
        /// An outsourcing service provider (外包服务机构): by name, USCC, account.
        Outsourcer => "outsourcer",
    }
}

wire_enum! {
    /// Why an entry was listed (SPEC §7).
    Reason, "reason" {
        /// 套现: transactions faked to turn credit into cash.
        CashOut => "cash_out",
        /// 磁道侧录: card data copied at the terminal.
        Skimming => "skimming",
        /// 非法改装终端: a terminal modified.
        TerminalTampering => "terminal_tampering",
        /// 移机: a terminal used away from the verified premises.
        TerminalRelocation => "terminal_relocation",
        /// 伪卡欺诈: counterfeit cards accepted knowingly.
        CounterfeitCardFraud => "counterfeit_card_fraud",
        /// 支付敏感信息泄露: payment-sensitive data leaked.
        SensitiveDataLeak => "sensitive_data_leak",
        /// 电信网络诈骗: proceeds of telecom fraud collected.
        TelecomFraud => "telecom_fraud",
        /// 涉赌: gambling payments.
        Gambling => "gambling",
        /// 洗钱: money laundering.
        MoneyLaundering => "money_laundering",
        /// 虚假资料: false onboarding documents.
        FalseInformation => "false_information",
        /// 买卖账户: accounts bought or sold.
        AccountTrading => "account_trading",
        /// Anything else, explained in the evidence.
        Other => "other",
    }
}

wire_enum! {
    /// What the listing costs the subject (SPEC §7).
    Penalty, "penalty" {
        /// 延迟结算: settle late, to cover chargebacks.
        DelaySettlement => "delay_settlement",
        /// 暂停交易: stop accepting cards.
        SuspendTransactions => "suspend_transactions",
        /// 终止合作: end the relationship.
        Terminate => "terminate",
    }
}

/// Who or what an entry lists, as screening compares it: names and
/// addresses in clear (normalised), identity documents, phones and accounts
/// as token plus mask only (SPEC §4), terminal serial numbers normalised.
///
/// Every subject type may carry any of these; which ones it must carry is
/// [`ListedSubject::missing_identifier`]'s business.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedSubject {
    /// Merchant or outsourcer name, a person's name, or an account holder.
    pub name: Option<String>,
    /// Unified social credit code (merchant, outsourcer).
    pub uscc: Option<String>,
    /// Kind of `person_id`.
    pub id_type: Option<IdType>,
    /// Identity document of the person (or of a merchant's legal representative).
    pub person_id: Option<Protected>,
    /// A mobile phone.
    pub phone: Option<Protected>,
    /// A settlement account number.
    pub account: Option<Protected>,
    /// A terminal serial number, normalised ([`crate::TerminalSn`]).
    pub sn: Option<String>,
    /// Business address, normalised.
    pub address: Option<String>,
}

impl ListedSubject {
    /// The identifier a subject of `subject_type` cannot be listed without,
    /// if it is missing: a listing must name something screening can
    /// recognise with certainty, never a name alone.
    pub fn missing_identifier(&self, subject_type: SubjectType) -> Option<&'static str> {
        match subject_type {
            SubjectType::Merchant | SubjectType::Outsourcer => {
                let has = self.uscc.is_some()
                    || self.person_id.is_some()
                    || self.account.is_some()
                    || (self.name.is_some() && self.address.is_some());
                (!has).then_some("uscc, person_id, account, or name with address")
            }
            SubjectType::Person => self.person_id.is_none().then_some("person_id"),
            SubjectType::Terminal => self.sn.is_none().then_some("sn"),
            SubjectType::SettlementAccount => self.account.is_none().then_some("account"),
        }
    }
}

/// An active blacklist entry, as screening needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedEntry {
    /// The hub's entry id.
    pub id: i64,
    /// What it lists.
    pub subject_type: SubjectType,
    /// Why.
    pub reason: Reason,
    /// What it costs.
    pub penalty: Penalty,
    /// The identifiers.
    pub subject: ListedSubject,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_unknown_words_list_the_allowed_ones() {
        for reason in Reason::ALL {
            assert_eq!(reason.as_str().parse::<Reason>().unwrap(), *reason);
            let json = serde_json::to_string(reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
        assert_eq!(Reason::ALL.len(), 12);
        let err = "theft".parse::<Penalty>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown penalty \"theft\": use one of delay_settlement, suspend_transactions, terminate"
        );
        assert!("Merchant".parse::<SubjectType>().is_err());
    }

    #[test]
    fn a_listing_needs_an_identifier_screening_can_be_sure_of() {
        let named = ListedSubject {
            name: Some("泉州市鼎盛家电有限公司".into()),
            ..ListedSubject::default()
        };
        assert!(named.missing_identifier(SubjectType::Merchant).is_some());
        let located = ListedSubject {
            address: Some("福建省泉州市丰泽区东海大街8号".into()),
            ..named.clone()
        };
        assert_eq!(located.missing_identifier(SubjectType::Merchant), None);
        assert_eq!(
            located.missing_identifier(SubjectType::Terminal),
            Some("sn")
        );
        assert_eq!(
            ListedSubject::default().missing_identifier(SubjectType::Person),
            Some("person_id")
        );
    }
}
