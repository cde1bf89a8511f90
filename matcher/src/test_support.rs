//! Record builders shared by the unit tests of the fuzzy-matching modules.

use crate::record::{
    AccountKind, IdType, LegalRep, MerchantRecord, MerchantStatus, SettlementAccount,
};
use crate::token::{TokenKey, TokenKind};

fn key() -> TokenKey {
    TokenKey::from_bytes([7; 32])
}

/// A trading micro merchant: `rep` holds a resident ID of their own (one per
/// merchant id, so two merchants never share a legal-rep token unless a test
/// says so) and settles to a personal card in their own name.
pub(crate) fn merchant(id: &str, name: &str, address: &str, rep: &str) -> MerchantRecord {
    let key = key();
    MerchantRecord {
        merchant_id: id.to_owned(),
        name: name.to_owned(),
        uscc: None,
        mcc: "5921".to_owned(),
        address: address.to_owned(),
        region_code: None,
        location: None,
        legal_rep: LegalRep {
            name: rep.to_owned(),
            id_type: IdType::ResidentId,
            id: key.protect(TokenKind::ResidentId, &format!("ID-{id}")),
            phone: None,
        },
        contact_phone: None,
        settlement_account: SettlementAccount {
            number: key.protect(TokenKind::Account, &format!("ACCT-{id}")),
            name: rep.to_owned(),
            bank: None,
            kind: AccountKind::Card,
        },
        terminals: Vec::new(),
        photos: Vec::new(),
        onboarded_at: None,
        status: MerchantStatus::Active,
    }
}

/// The same person's identity token, for tests that need one ID on two merchants.
pub(crate) fn same_rep(m: &mut MerchantRecord, other: &MerchantRecord) {
    m.legal_rep = other.legal_rep.clone();
}
