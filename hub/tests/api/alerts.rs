//! Alerts raised by ingest (identifier-tied cases), grown not duplicated,
//! dismissals remembered, and what each role may see.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, jsonl, member_ids, merchant, phone, resident_id, spawn_app,
};

const JSONL: &str = "application/x-ndjson";

/// Upload rows as `acquirer` and return the batch result.
async fn upload(app: &TestApp, key: &str, rows: &[Value]) -> Value {
    let (status, result) = app.upload(key, JSONL, jsonl(rows)).await;
    assert_eq!(status, 201, "{result}");
    result
}

async fn alerts(app: &TestApp, key: &str, query: &str) -> Vec<Value> {
    let (status, body) = app.get(key, &format!("/v1/alerts{query}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

/// The 15-digit legacy form of an 18-digit resident ID born in the 1900s.
fn legacy(id: &str) -> String {
    format!("{}{}", &id[..6], &id[8..17])
}

async fn one_legal_rep_behind_three_merchants_is_one_exact_alert_that_grows(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let id = resident_id(7);
    let mut rows: Vec<Value> = (1..=3).map(merchant).collect();
    rows[1]["legal_rep"]["id_number"] = json!(id.to_lowercase());
    rows[2]["legal_rep"]["id_number"] = json!(legacy(&id));
    rows[0]["legal_rep"]["id_number"] = json!(id.clone());
    let result = upload(&app, &one, &rows).await;
    assert_eq!(result["alerts"][0]["type"], "one_person_many_merchants");
    assert_eq!(result["alerts"][0]["subtype"], "exact");
    assert_eq!(result["alerts"][0]["change"], "raised");

    let mut fourth = merchant(4);
    fourth["legal_rep"]["id_number"] = json!(id);
    let result = upload(&app, &two, &[fourth]).await;
    let change = result["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["subtype"] == "exact")
        .expect("the exact alert grows")
        .clone();
    assert_eq!(
        (change["change"].as_str(), change["member_count"].as_i64()),
        (Some("grown"), Some(4))
    );

    let listed = alerts(&app, &app.admin_key, "?type=one_person_many_merchants").await;
    assert_eq!(listed.len(), 1, "grown, not duplicated: {listed:?}");
    assert_eq!(
        member_ids(&listed[0]),
        vec![
            "ACQ01/898440358120001",
            "ACQ01/898440358120002",
            "ACQ01/898440358120003",
            "ACQ02/898440358120004"
        ]
    );
    let evidence = listed[0]["evidence"].to_string();
    assert!(
        !evidence.contains(&resident_id(7)),
        "evidence holds masked IDs only"
    );
    assert!(evidence.contains("********"));
}
both_backends!(one_legal_rep_behind_three_merchants_is_one_exact_alert_that_grows);

async fn one_terminal_on_two_merchant_numbers_is_found_through_sn_slips(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let mut first = merchant(1);
    first["terminals"] = json!([{"terminal_id": "T0000001", "sn": "SN: PAX-A920-0I0O1"}]);
    let mut second = merchant(2);
    second["terminals"] = json!([{"terminal_id": "T0000002", "sn": "pax a920 01001"}]);
    upload(&app, &one, &[first]).await;
    let result = upload(&app, &two, &[second]).await;
    assert_eq!(result["alerts"][0]["type"], "one_terminal_many_merchants");
    let listed = alerts(&app, &app.admin_key, "?type=one_terminal_many_merchants").await;
    assert_eq!(
        member_ids(&listed[0]),
        vec!["ACQ01/898440358120001", "ACQ02/898440358120002"]
    );
}
both_backends!(one_terminal_on_two_merchant_numbers_is_found_through_sn_slips);

async fn nominees_sharing_the_controllers_phone_are_linked_but_an_agents_phone_glues_nobody(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    // Three nominees give the controller's phone as their own.
    let nominees: Vec<Value> = (1..=3)
        .map(|n| {
            let mut row = merchant(n);
            row["legal_rep"]["phone"] = json!(phone(9000));
            row
        })
        .collect();
    // Seven unrelated shops carry a sales agent's phone as contact phone.
    let agent: Vec<Value> = (10..=16)
        .map(|n| {
            let mut row = merchant(n);
            row["contact_phone"] = json!(phone(9100));
            row
        })
        .collect();
    upload(&app, &key, &[nominees, agent].concat()).await;

    let linked = alerts(&app, &app.admin_key, "?type=one_person_many_merchants").await;
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_eq!(linked[0]["subtype"], "linked");
    assert_eq!(linked[0]["members"].as_array().unwrap().len(), 3);
    let shared = alerts(&app, &app.admin_key, "?type=shared_phone").await;
    assert_eq!(shared.len(), 2);
    let hub = shared
        .iter()
        .find(|a| a["members"].as_array().unwrap().len() == 7)
        .unwrap();
    assert_eq!(hub["evidence"]["hub"], true);
}
both_backends!(nominees_sharing_the_controllers_phone_are_linked_but_an_agents_phone_glues_nobody);

async fn a_dismissal_holds_until_new_evidence_arrives(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let pair: Vec<Value> = (1..=2)
        .map(|n| {
            let mut row = merchant(n);
            row["legal_rep"]["phone"] = json!(phone(9000));
            row
        })
        .collect();
    upload(&app, &key, &pair).await;
    let alert = alerts(&app, &analyst, "?type=shared_phone").await[0].clone();
    let id = alert["id"].as_i64().unwrap();

    let response = app
        .client
        .post(app.url(&format!("/v1/alerts/{id}/dismiss")))
        .bearer_auth(&analyst)
        .json(&json!({"reason": "spouses, checked by phone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    // The same rows again in another batch: nothing new, still dismissed.
    let mut renamed = pair.clone();
    renamed[0]["name"] = json!("新名字商行");
    let result = upload(&app, &key, &renamed).await;
    assert!(
        result["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id)
    );
    let (_, shown) = app.get(&analyst, &format!("/v1/alerts/{id}")).await;
    assert_eq!(shown["status"], "dismissed");
    assert_eq!(shown["reason"], "spouses, checked by phone");

    // A third legal rep with the same phone is new evidence: reopened.
    let mut third = merchant(3);
    third["legal_rep"]["phone"] = json!(phone(9000));
    let result = upload(&app, &key, &[third]).await;
    let change = result["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(change["change"], "reopened");
    let (_, shown) = app.get(&analyst, &format!("/v1/alerts/{id}")).await;
    assert_eq!(shown["status"], "open");
    let actions: Vec<&str> = shown["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["raised", "dismissed", "reopened"]);
}
both_backends!(a_dismissal_holds_until_new_evidence_arrives);

async fn acquirers_see_only_alerts_of_their_merchants_with_others_redacted(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let three = app.create_key("acquirer", Some("ACQ03")).await;
    let subscriber = app.create_key("subscriber", None).await;
    let mut first = merchant(1);
    first["terminals"] = json!([{"terminal_id": "T0000001", "sn": "N5-777"}]);
    let mut second = merchant(2);
    second["terminals"] = json!([{"terminal_id": "T0000002", "sn": "N5-777"}]);
    upload(&app, &one, &[first]).await;
    upload(&app, &two, &[second]).await;

    let seen = alerts(&app, &one, "").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        member_ids(&seen[0]),
        vec!["ACQ01/898440358120001", "ACQ02/-"]
    );
    let other = &seen[0]["evidence"]["merchants"][1];
    assert_eq!(other["merchant_id"], Value::Null);
    assert!(other["name"].as_str().unwrap().contains('*'));
    assert!(alerts(&app, &three, "").await.is_empty());
    let id = seen[0]["id"].as_i64().unwrap();
    assert_eq!(app.get(&three, &format!("/v1/alerts/{id}")).await.0, 403);
    assert_eq!(app.get(&subscriber, "/v1/alerts").await.0, 403);
    assert_eq!(app.get(&one, "/v1/alerts?acquirer=ACQ02").await.0, 403);

    let response = app
        .client
        .post(app.url(&format!("/v1/alerts/{id}/confirm")))
        .bearer_auth(&one)
        .json(&json!({"reason": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403, "acquirers do not decide alerts");
    let response = app
        .client
        .post(app.url(&format!("/v1/alerts/{id}/confirm")))
        .bearer_auth(&app.admin_key)
        .json(&json!({"reason": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "a decision needs a reason");
}
both_backends!(acquirers_see_only_alerts_of_their_merchants_with_others_redacted);

async fn search_finds_merchants_by_any_identifier_and_the_person_view_spans_acquirers(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let id = resident_id(5);
    let mut first = merchant(1);
    first["legal_rep"]["id_number"] = json!(id.clone());
    let mut second = merchant(2);
    second["legal_rep"]["id_number"] = json!(legacy(&id));
    upload(&app, &one, &[first.clone()]).await;
    upload(&app, &two, &[second]).await;

    let query = |q: &str| format!("/v1/search?q={}", q.replace('+', "%2B").replace(' ', "%20"));
    let (status, found) = app.get(&analyst, &query(&id.to_lowercase())).await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["matched_field"], "legal_rep.id");
    assert_eq!(found["hits"].as_array().unwrap().len(), 2);
    assert!(
        !found.to_string().contains(&id),
        "results carry masked IDs only"
    );

    let phone_query = first["legal_rep"]["phone"].as_str().unwrap().to_owned();
    let (_, by_phone) = app
        .get(&analyst, &query(&format!("+86 {phone_query}")))
        .await;
    assert_eq!(by_phone["hits"][0]["merchant_id"], "898440358120001");
    let (_, by_sn) = app.get(&analyst, &query("sn n5-000001")).await;
    assert_eq!(by_sn["hits"][0]["merchant_id"], "898440358120001");

    // An acquirer sees another acquirer's hit only redacted.
    let (_, seen) = app.get(&one, &query(&id)).await;
    let other = seen["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["acquirer"] == "ACQ02")
        .unwrap()
        .clone();
    assert_eq!(other["merchant_id"], Value::Null);

    let (status, body) = app.get(&analyst, &query("x&limit=0")).await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (400, Some("invalid_limit"))
    );

    let (status, person) = app.get(&analyst, "/v1/people/ACQ01/898440358120001").await;
    assert_eq!(status, 200, "{person}");
    assert_eq!(person["merchants"].as_array().unwrap().len(), 2);
    assert_eq!(person["acquirers"], 2);
    assert_eq!(
        app.get(&two, "/v1/people/ACQ01/898440358120001").await.0,
        404
    );
}
both_backends!(search_finds_merchants_by_any_identifier_and_the_person_view_spans_acquirers);

async fn a_group_spanning_detection_slices_is_reported_once_with_its_final_size(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    let id = resident_id(3);
    let slice = hub::alerts::SLICE as u32;
    let rows: Vec<Value> = (1..=slice + 3)
        .map(|n| {
            let mut row = merchant(n);
            if n <= 3 || n == slice + 2 {
                row["legal_rep"]["id_number"] = json!(id.clone());
            }
            row
        })
        .collect();
    let result = upload(&app, &key, &rows).await;
    let exact: Vec<&Value> = result["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["subtype"] == "exact")
        .collect();
    assert_eq!(exact.len(), 1, "{exact:?}");
    assert_eq!(exact[0]["change"], "raised");
    assert_eq!(exact[0]["member_count"], 4);
}
both_backends!(a_group_spanning_detection_slices_is_reported_once_with_its_final_size);

async fn free_text_finds_merchants_by_name_or_address_written_differently(backend: Backend) {
    // Arrange: a shop and its neighbours; the query spells the name in
    // traditional characters and the house number in Chinese numerals.
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let mut shop = merchant(1);
    shop["name"] = json!("老王烟酒店");
    shop["address"] = json!("广东省深圳市福田区建设路57号");
    upload(&app, &one, &[shop, merchant(2)]).await;
    upload(&app, &two, &[merchant(3)]).await;
    let query = |q: &str| {
        let encoded: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        format!("/v1/search?q={encoded}")
    };

    // Act
    let (status, by_name) = app.get(&analyst, &query("老王煙酒")).await;
    let (_, by_address) = app.get(&analyst, &query("建设路五十七号")).await;
    let (_, seen_by_two) = app.get(&two, &query("老王煙酒")).await;

    // Assert
    assert_eq!(status, 200, "{by_name}");
    assert_eq!(by_name["matched_field"], "name or address");
    assert_eq!(
        by_name["hits"][0]["merchant_id"], "898440358120001",
        "{by_name}"
    );
    assert!(by_name["hits"][0]["relevance"].as_f64().unwrap() > 0.0);
    assert_eq!(
        by_address["hits"][0]["merchant_id"], "898440358120001",
        "{by_address}"
    );
    // Another acquirer sees the hit, but masked and without its number.
    assert_eq!(seen_by_two["hits"][0]["merchant_id"], Value::Null);
    assert_eq!(seen_by_two["hits"][0]["name"], "老***店", "{seen_by_two}");
}
both_backends!(free_text_finds_merchants_by_name_or_address_written_differently);

/// A merchant of `merchant(n)` with its own name, address, GPS and legal
/// representative (on its own card).
fn shop(n: u32, name: &str, address: &str, gps: (f64, f64), rep: &str) -> Value {
    let mut row = merchant(n);
    row["name"] = json!(name);
    row["address"] = json!(address);
    row["lat"] = json!(gps.0);
    row["lng"] = json!(gps.1);
    row["legal_rep"]["name"] = json!(rep);
    row["settlement_account"]["name"] = json!(rep);
    row
}

async fn nominees_sharing_no_identifier_are_linked_by_premises_and_name_family_but_malls_chains_and_common_names_are_not(
    backend: Backend,
) {
    // Arrange: three nominees at three acquirers, each with their own ID,
    // phone and card, run one shop: the same door written three ways, a
    // shop-name family, GPS within a few metres.
    let app = spawn_app(backend).await;
    let keys = [
        app.create_key("acquirer", Some("ACQ01")).await,
        app.create_key("acquirer", Some("ACQ02")).await,
        app.create_key("acquirer", Some("ACQ03")).await,
    ];
    let door = (22.54512, 114.08731);
    let ring = [
        shop(
            1,
            "老王烟酒店",
            "广东省深圳市福田区华强北路18号",
            door,
            "张三丰",
        ),
        shop(
            2,
            "老王烟酒商行",
            "深圳福田华强北路十八号",
            (22.54515, 114.08733),
            "李四海",
        ),
        shop(
            3,
            "王记烟酒",
            "福田区华强北路１８号",
            (22.54510, 114.08729),
            "赵五岳",
        ),
    ];
    // Hard negatives, each a pair that must not become one person:
    // - a mall: other shops in the same building, in their own units;
    let mall = [
        shop(
            4,
            "华强数码",
            "广东省深圳市福田区华强北路18号3楼301室",
            door,
            "陈一鸣",
        ),
        shop(
            5,
            "佳美服装",
            "广东省深圳市福田区华强北路18号3楼302室",
            door,
            "林二娘",
        ),
    ];
    // - a chain brand at two addresses of the district;
    let chain = [
        shop(
            6,
            "沙县小吃",
            "广东省深圳市福田区红荔路9号",
            (22.5501, 114.0801),
            "黄文斌",
        ),
        shop(
            7,
            "沙县小吃",
            "广东省深圳市福田区彩田路77号",
            (22.5402, 114.0702),
            "吴志强",
        ),
    ];
    // - a common name on two different people's shops.
    let common = [
        shop(
            8,
            "宏达五金",
            "广东省深圳市福田区振华路3号",
            (22.5450, 114.0850),
            "张伟",
        ),
        shop(
            9,
            "兴旺水果",
            "广东省深圳市福田区福华路66号",
            (22.5350, 114.0650),
            "张伟",
        ),
    ];

    // Act: each acquirer uploads its share.
    upload(
        &app,
        &keys[0],
        &[
            ring[0].clone(),
            mall[0].clone(),
            chain[0].clone(),
            common[0].clone(),
        ],
    )
    .await;
    upload(
        &app,
        &keys[1],
        &[ring[1].clone(), mall[1].clone(), chain[1].clone()],
    )
    .await;
    let last = upload(&app, &keys[2], &[ring[2].clone(), common[1].clone()]).await;

    // Assert: one linked alert with exactly the ring, explained by fuzzy
    // links. Two nominees at two acquirers already make it (SPEC §5); the
    // third grows it rather than raising another.
    let linked = alerts(&app, &app.admin_key, "?type=one_person_many_merchants").await;
    assert_eq!(linked.len(), 1, "{linked:?}");
    let alert = &linked[0];
    assert_eq!(alert["subtype"], "linked");
    let mut members = member_ids(alert);
    members.sort();
    assert_eq!(
        members,
        [
            "ACQ01/898440358120001",
            "ACQ02/898440358120002",
            "ACQ03/898440358120003"
        ]
    );
    assert_eq!(
        last["alerts"],
        json!([{"id": alert["id"], "type": "one_person_many_merchants", "subtype": "linked", "change": "grown", "member_count": 3}]),
        "{last}"
    );
    let links = alert["evidence"]["links"].as_array().unwrap();
    assert!(!links.is_empty());
    for link in links {
        assert_eq!(link["via"], "fuzzy", "{link}");
        assert_eq!(link["rule"], "co_located", "{link}");
        let signals: Vec<&str> = link["signals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(
            signals.contains(&"premises") && signals.contains(&"name_family"),
            "{link}"
        );
        // Every weighed signal says how much it weighed and why.
        for item in link["explanation"]["evidence"].as_array().unwrap() {
            assert!(
                item["weight"].is_number() && item["signal"].is_string(),
                "{item}"
            );
        }
    }
    // An acquirer sees the other acquirers' sides of each link masked.
    let seen = alerts(&app, &keys[0], "?type=one_person_many_merchants").await;
    let link = &seen[0]["evidence"]["links"][0];
    for (side, merchant) in link["merchants"].as_array().unwrap().iter().enumerate() {
        if merchant["acquirer"] != "ACQ01" {
            assert_eq!(merchant["merchant_id"], Value::Null, "{link}");
            let key = ["left", "right"][side];
            let shown = link["explanation"]["evidence"][0][key].as_str().unwrap();
            assert!(shown.contains('*'), "{link}");
        }
    }
}
both_backends!(
    nominees_sharing_no_identifier_are_linked_by_premises_and_name_family_but_malls_chains_and_common_names_are_not
);

async fn a_shared_card_ties_two_people_but_an_outsourcers_account_is_a_hub_that_glues_nobody(
    backend: Backend,
) {
    // Arrange: two nominees at two acquirers settle to one personal card;
    // six unrelated shops settle to one outsourcer's corporate account (二清).
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let mut first = merchant(1);
    let mut second = merchant(2);
    second["settlement_account"] = first["settlement_account"].clone();
    first["settlement_account"]["name"] = json!("钱多多");
    second["settlement_account"]["name"] = json!("钱多多");
    let outsourced: Vec<Value> = (10..=15)
        .map(|n| {
            let mut row = merchant(n);
            row["settlement_account"] = json!({
                "number": "110145000000123456", "name": "深圳市速付科技有限公司",
                "bank": "招商银行", "kind": "corporate"
            });
            row
        })
        .collect();

    // Act
    upload(&app, &one, &[vec![first], outsourced].concat()).await;
    upload(&app, &two, &[second]).await;

    // Assert
    let accounts = alerts(&app, &app.admin_key, "?type=shared_settlement_account").await;
    assert_eq!(accounts.len(), 2, "{accounts:?}");
    let card = accounts
        .iter()
        .find(|a| a["members"].as_array().unwrap().len() == 2)
        .unwrap();
    assert_eq!(card["evidence"]["hub"], false);
    assert_eq!(card["evidence"]["legal_reps"], 2);
    let masked = card["evidence"]["fields"][0]["masked"].as_str().unwrap();
    assert!(
        masked.contains('*') && !masked.contains("0000000"),
        "{masked}"
    );
    let hub = accounts
        .iter()
        .find(|a| a["members"].as_array().unwrap().len() == 6)
        .unwrap();
    assert_eq!(hub["evidence"]["hub"], true);
    assert_eq!(hub["score"], 0.5);

    // The card ties its two holders into one person at two acquirers; the
    // outsourcer's account ties nobody.
    let people = alerts(&app, &app.admin_key, "?type=one_person_many_merchants").await;
    assert_eq!(people.len(), 1, "{people:?}");
    let mut members = member_ids(&people[0]);
    members.sort();
    assert_eq!(members, ["ACQ01/898440358120001", "ACQ02/898440358120002"]);
    assert_eq!(people[0]["evidence"]["links"][0]["via"], "account");
}
both_backends!(a_shared_card_ties_two_people_but_an_outsourcers_account_is_a_hub_that_glues_nobody);
