//! The `normalise` target: every normaliser and identifier parser in
//! `matcher` on one input string, with the properties each documents.
//!
//! All of them run on every input (they are cheap), so one corpus entry
//! exercises the lot and a seed needs no selector byte. Properties checked:
//! - `text`, `simplified`, `numerals` and `name_core` are idempotent, and an
//!   address parsed from its canonical form is the same address;
//! - a parsed identifier parses again from its normal form to itself (the
//!   index and the feed mirror re-parse stored values);
//! - error messages of the payment-sensitive parsers never quote the input,
//!   and their masks hide at least a quarter of it (SPEC §4).

use matcher::normalise::{self, CompanyName, ParsedAddress};
use matcher::{
    AccountKind, AccountNumber, Mcc, MerchantId, MobilePhone, Premises, RegionCode, ResidentId,
    TerminalId, TerminalSn, Uscc, mask,
};

/// Every normaliser on `data` (as UTF-8, invalid sequences replaced).
pub fn normalise(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let raw = raw.as_ref();
    text_folds(raw);
    names_and_addresses(raw);
    identifiers(raw);
    sensitive(raw);
    coordinates(data);
}

fn text_folds(raw: &str) {
    let text = normalise::text(raw);
    assert_eq!(normalise::text(&text), text, "text is idempotent");
    let simplified = normalise::simplified(raw);
    assert_eq!(
        normalise::simplified(&simplified),
        simplified,
        "simplified is idempotent"
    );
    let numerals = normalise::numerals(raw);
    assert_eq!(
        normalise::numerals(&numerals),
        numerals,
        "numerals is idempotent"
    );
}

fn names_and_addresses(raw: &str) {
    let core = normalise::name_core(raw);
    assert_eq!(
        normalise::name_core(core.as_str()),
        core,
        "name_core is idempotent"
    );
    let company = CompanyName::new(raw);
    let _ = matcher::family_key(company.core());
    let tokens = company.core().tokens();
    assert!(
        company.core().as_str().ends_with(tokens.trade),
        "the trade words end the core"
    );
    let _ = matcher::person_key(raw);
    let address = normalise::address(raw);
    assert_eq!(
        ParsedAddress::parse(&address.canonical()),
        address,
        "an address parses to itself from its canonical form"
    );
    let _ = address.region_code();
    let premises = Premises::parse(&address.remainder);
    let _ = (premises.building_key(), premises.unit_key());
    let _ = premises.compare(&Premises::parse(raw));
}

/// Parsing the normal form of a parsed value gives the value again.
macro_rules! round_trip {
    ($parse:expr, $raw:expr, $as_str:ident, $what:literal) => {
        if let Ok(value) = $parse($raw) {
            let again = $parse(value.$as_str())
                .unwrap_or_else(|e| panic!("{} normal form is refused: {e}", $what));
            assert!(again == value, "{} normal form parses to itself", $what);
        }
    };
}

fn identifiers(raw: &str) {
    round_trip!(Uscc::parse, raw, as_str, "USCC");
    if let Ok(uscc) = Uscc::parse(raw) {
        let _ = uscc.org_code_valid();
    }
    let _ = matcher::uscc_check_char(raw);
    let _ = matcher::org_code_check_char(raw);
    round_trip!(MerchantId::parse, raw, as_str, "merchant ID");
    if let Ok(id) = MerchantId::parse(raw) {
        let _ = (id.is_unionpay_form(), id.embedded_mcc());
    }
    round_trip!(TerminalId::parse, raw, as_str, "terminal ID");
    round_trip!(TerminalSn::parse, raw, as_str, "terminal SN");
    if let Ok(sn) = TerminalSn::parse(raw) {
        let _ = sn.match_key();
    }
    if let Ok(mcc) = Mcc::parse(raw) {
        assert!(Mcc::parse(mcc.as_str()) == Ok(mcc), "MCC parses to itself");
        let _ = (mcc.name_zh(), mcc.risk(), mcc.description_en());
    }
    if let Ok(code) = RegionCode::parse(raw) {
        let again = RegionCode::parse(code.as_str()).expect("region code parses to itself");
        assert_eq!(again.as_str(), code.as_str());
        let _ = code.division();
    }
    if let Ok(number) = normalise::document_number(raw) {
        assert_eq!(normalise::document_number(&number).as_ref(), Ok(&number));
    }
}

/// Resident IDs, phones and accounts: round trips, masks, quiet errors.
fn sensitive(raw: &str) {
    let today = time::macros::date!(2026 - 12 - 01);
    let digits: String = normalise::text(raw)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let quiet = |message: String| {
        assert!(
            digits.len() < 7 || !message.contains(&digits),
            "an error message quotes the input: {message:?}"
        );
    };
    let _ = matcher::resident_id_check_char(raw);
    match ResidentId::parse(raw, today) {
        Ok(id) => {
            let again = ResidentId::parse(id.as_str(), today).expect("normal ID is refused");
            assert!(
                again == id && !again.is_legacy(),
                "resident ID parses to itself"
            );
            assert_hidden(id.as_str(), &id.masked());
            assert_eq!(id.masked(), mask::resident_id(id.as_str()));
        }
        Err(e) => quiet(e.to_string()),
    }
    match MobilePhone::parse(raw) {
        Ok(phone) => {
            let again = MobilePhone::parse(phone.as_str()).expect("normal phone is refused");
            assert!(again == phone, "phone parses to itself");
            assert!(MobilePhone::parse(&phone.e164()) == Ok(phone.clone()));
            assert_hidden(phone.as_str(), &phone.masked());
        }
        Err(e) => quiet(e.to_string()),
    }
    for declared in [None, Some(AccountKind::Card), Some(AccountKind::Corporate)] {
        match AccountNumber::parse(raw, declared) {
            Ok(number) => {
                let again = AccountNumber::parse(number.as_str(), Some(number.kind()))
                    .expect("normal account is refused");
                assert!(
                    again.as_str() == number.as_str() && again.kind() == number.kind(),
                    "account parses to itself"
                );
                let _ = number.luhn_valid();
                assert_hidden(number.as_str(), &number.masked());
            }
            Err(e) => quiet(e.to_string()),
        }
    }
    let _ = (matcher::luhn_valid(raw), matcher::luhn_check_digit(raw));
    for masked in [mask::phone(raw), mask::account(raw), mask::document(raw)] {
        assert_hidden(raw, &masked);
    }
}

/// A mask keeps the length and shows at most the standard ends (6 + 4
/// characters at the most) or a quarter of the value at each end.
fn assert_hidden(value: &str, masked: &str) {
    let n = value.chars().count();
    let hidden = masked.chars().filter(|c| *c == '*').count();
    assert_eq!(masked.chars().count(), n, "a mask keeps the length");
    assert!(
        hidden >= n.saturating_sub(10.max(2 * (n / 4))),
        "a mask hides the middle"
    );
}

fn coordinates(data: &[u8]) {
    let Some((lat, rest)) = data.split_first_chunk::<8>() else {
        return;
    };
    let Some((lng, _)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let (lat, lng) = (f64::from_le_bytes(*lat), f64::from_le_bytes(*lng));
    if let Ok(point) = normalise::coordinates(lat, lng) {
        assert!(point.lat.is_finite() && point.lng.is_finite());
    }
}
