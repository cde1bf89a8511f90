//! `mhub merchants search` and `mhub people show` on the committed samples:
//! finding one person's merchants across acquirers by a raw identifier
//! (SPEC §5, §9, §11).

use serde_json::Value;

use crate::helpers::{
    hub_with_samples, json_lines, mhub, run, sample_legal_rep_id, stderr, stdout, truth_case,
};

/// The first one_person_many_merchants/exact case of truth.json.
fn one_person() -> Vec<(String, String)> {
    truth_case("one_person_many_merchants", "exact")
}

/// (acquirer, merchant_id) pairs of hits whose merchant number is shown.
fn members(hits: &Value) -> Vec<(String, String)> {
    hits.as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| {
            Some((
                hit["acquirer"].as_str()?.to_owned(),
                hit["merchant_id"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

#[test]
fn a_search_by_a_raw_resident_id_finds_the_persons_merchants_across_acquirers() {
    // Arrange: the ID exactly as the first member's acquirer sent it.
    let (hub, keys, analyst) = hub_with_samples();
    let case = one_person();
    let (acquirer, merchant_id) = &case[0];
    let id = sample_legal_rep_id(acquirer, merchant_id);

    // Act
    let found = json_lines(&run(hub.mhub(&analyst).args([
        "merchants",
        "search",
        &id,
        "--json",
    ])));
    let as_acq01 = json_lines(&run(hub.mhub(&keys["ACQ01"]).args([
        "merchants",
        "search",
        &id,
        "--json",
    ])));
    let table = run(hub.mhub(&analyst).args(["merchants", "search", &id]));

    // Assert
    assert_eq!(found.len(), 1, "{found:?}");
    let result = &found[0];
    assert_eq!(result["matched_field"], "legal_rep.id", "{result}");
    let hits = result["hits"].as_array().unwrap();
    assert!(hits.len() >= 2, "{result}");
    let shown = members(&result["hits"]);
    assert!(shown.contains(&case[0]), "{case:?} vs {shown:?}");
    for hit in hits {
        assert!(hit["merchant_id"].is_string(), "an analyst sees all: {hit}");
        assert!(
            !hit["legal_rep_id"].as_str().unwrap().contains(&id),
            "{hit}"
        );
    }

    // An acquirer key sees other acquirers' merchants without their numbers.
    let redacted = &as_acq01[0]["hits"];
    assert_eq!(redacted.as_array().unwrap().len(), hits.len());
    for hit in redacted.as_array().unwrap() {
        assert_eq!(
            hit["merchant_id"].is_string(),
            hit["acquirer"] == "ACQ01",
            "{hit}"
        );
    }

    let text = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(text.contains("legal_rep.id"), "{text}");
    assert!(text.contains(merchant_id.as_str()), "{text}");
}

#[test]
fn a_free_text_search_ranks_merchants_by_name_and_shows_their_relevance() {
    // Arrange: a merchant name from the samples, written in traditional
    // characters.
    let (hub, _, analyst) = hub_with_samples();
    let name = "奉賢金鼎煙酒店";

    // Act
    let json = json_lines(&run(hub.mhub(&analyst).args([
        "merchants",
        "search",
        name,
        "--limit",
        "3",
        "--json",
    ])));
    let table = run(hub.mhub(&analyst).args(["merchants", "search", name]));

    // Assert
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["matched_field"], "name or address");
    let hits = json[0]["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3, "{hits:?}");
    assert_eq!(hits[0]["name"], "奉贤金鼎烟酒店", "{hits:?}");
    assert!(hits[0]["relevance"].as_f64().unwrap() > 0.0);
    let text = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(
        text.contains("relevance") && text.contains("奉贤金鼎烟酒店"),
        "{text}"
    );
}

#[test]
fn a_search_limit_out_of_range_is_a_usage_error() {
    // Refused by the argument parser, before any request.
    let output = run(mhub().args(["merchants", "search", "老王", "--limit", "0"]));
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}

#[test]
fn the_person_view_lists_every_merchant_behind_a_merchants_legal_rep() {
    // Arrange
    let (hub, keys, analyst) = hub_with_samples();
    let case = one_person();
    let (acquirer, merchant_id) = &case[0];

    // Act: the acquirer's own key needs no --acquirer; an analyst names it.
    let own = json_lines(&run(hub.mhub(&keys[acquirer.as_str()]).args([
        "people",
        "show",
        merchant_id,
        "--json",
    ])));
    let analysts = json_lines(&run(hub.mhub(&analyst).args([
        "people",
        "show",
        merchant_id,
        "--acquirer",
        acquirer,
        "--json",
    ])));
    let unnamed = run(hub.mhub(&analyst).args(["people", "show", merchant_id]));
    let table = run(hub
        .mhub(&keys[acquirer.as_str()])
        .args(["people", "show", merchant_id]));

    // Assert
    assert_eq!(own.len(), 1, "{own:?}");
    let person = &analysts[0];
    let merchants = person["merchants"].as_array().unwrap();
    assert!(merchants.len() >= 2, "{person}");
    assert_eq!(
        own[0]["merchants"].as_array().unwrap().len(),
        merchants.len()
    );
    assert!(members(&person["merchants"]).contains(&case[0]), "{person}");
    assert!(person["acquirers"].as_u64().unwrap() >= 2, "{person}");
    assert!(
        !person["legal_reps"].as_array().unwrap().is_empty(),
        "{person}"
    );

    assert_eq!(unnamed.status.code(), Some(1));
    assert!(
        stderr(&unnamed).contains("--acquirer"),
        "{}",
        stderr(&unnamed)
    );

    let text = stdout(&table);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(text.contains(merchant_id.as_str()), "{text}");
    assert!(text.contains("same legal-rep document"), "{text}");
}
