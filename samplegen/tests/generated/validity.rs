//! Valid rows pass matcher's checks; each invalid row fails in exactly the
//! field and with exactly the code the truth names.

use std::collections::BTreeMap;

use crate::helpers::{Dataset, dataset, mid_options, photo_options, problems};

fn check(data: &Dataset) {
    let expected: BTreeMap<(&str, usize), &samplegen::InvalidRow> = data
        .truth
        .invalid_rows
        .iter()
        .map(|r| ((r.acquirer.as_str(), r.line), r))
        .collect();
    let mut seen = 0;
    for row in &data.rows {
        let found = problems(&data.dir, row, true);
        match expected.get(&(row.acquirer.as_str(), row.line)) {
            None => assert!(
                found.is_empty(),
                "{} line {}: unexpected {found:?}",
                row.acquirer,
                row.line
            ),
            Some(invalid) => {
                seen += 1;
                assert_eq!(
                    found,
                    vec![(invalid.field.clone(), invalid.code.clone())],
                    "{} line {} ({})",
                    row.acquirer,
                    row.line,
                    invalid.merchant_id
                );
                if row.value.is_some() {
                    assert_eq!(row.merchant_id(), invalid.merchant_id);
                } else {
                    assert!(row.raw.contains(&invalid.merchant_id));
                }
            }
        }
    }
    assert_eq!(seen, data.truth.invalid_rows.len());
}

#[test]
fn every_valid_row_passes_and_every_invalid_row_has_exactly_its_defect() {
    let data = dataset("mid", &mid_options());
    assert_eq!(data.rows.len(), 2000);
    assert_eq!(data.truth.invalid_rows.len(), 60);
    check(&data);
}

#[test]
fn photo_defects_and_photo_files_check_out_too() {
    let data = dataset("photo", &photo_options());
    check(&data);
    let codes: Vec<&str> = data
        .truth
        .invalid_rows
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert!(codes.contains(&"photo_undecodable"), "{codes:?}");
    assert!(codes.contains(&"photo_missing"), "{codes:?}");
}

#[test]
fn invalid_rows_cover_every_code_and_every_acquirer() {
    let data = dataset("mid", &mid_options());
    let codes: std::collections::BTreeSet<&str> = data
        .truth
        .invalid_rows
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    for code in [
        "id_check_digit",
        "id_birth_date",
        "id_province",
        "id_format",
        "uscc_check_char",
        "uscc_format",
        "phone_format",
        "account_luhn",
        "account_format",
        "mcc_unknown",
        "mcc_format",
        "coordinates_out_of_range",
        "region_code_unknown",
        "sn_format",
        "malformed_json",
        "missing_field",
        "wrong_type",
    ] {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
    for acquirer in ["ACQ01", "ACQ02", "ACQ03", "ACQ04"] {
        assert!(
            data.truth
                .invalid_rows
                .iter()
                .any(|r| r.acquirer == acquirer)
        );
    }
}

#[test]
fn every_profile_writes_its_quirks() {
    let data = dataset("mid", &mid_options());
    let raw = |acq: &str| -> Vec<String> {
        data.rows
            .iter()
            .filter(|r| r.acquirer == acq)
            .filter_map(|r| r.value.as_ref().map(|v| v.to_string()))
            .collect()
    };
    let messy = raw("ACQ02").join("\n");
    assert!(messy.contains("+86 1"), "formatted phones");
    assert!(
        messy.contains('１') || messy.contains('２'),
        "full-width digits"
    );
    let legacy = raw("ACQ03");
    assert!(
        legacy
            .iter()
            .any(|r| r.contains("\"sn:") || r.contains("\"SN:")),
        "SN prefixes"
    );
    assert!(
        legacy.iter().any(|r| r.contains("branch_code")),
        "vendor fields"
    );
    assert!(
        legacy.iter().all(|r| !r.contains("region_code")),
        "no region codes"
    );
    let legacy_ids = data
        .rows
        .iter()
        .filter(|r| r.acquirer == "ACQ03")
        .filter_map(|r| r.str("/legal_rep/id_number"))
        .filter(|id| id.len() == 15)
        .count();
    assert!(legacy_ids > 10, "{legacy_ids} 15-digit IDs");
}
