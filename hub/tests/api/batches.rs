//! `POST /v1/batches`: upload, idempotency, per-row errors, and every bad
//! input the foundation issue lists. Each bad input must get a specific
//! error and change nothing.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, TestApp, error_codes, jpeg, jsonl, merchant, spawn_app, spawn_app_with, zip,
};

const JSONL: &str = "application/x-ndjson";

async fn acquirer(app: &TestApp) -> String {
    app.create_key("acquirer", Some("ACQ01")).await
}

async fn a_jsonl_batch_is_stored_and_the_same_bytes_replay_the_first_result(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let body = jsonl(&[merchant(1), merchant(2), merchant(3)]);

    let (status, first) = app.upload(&key, JSONL, body.clone()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["rows"].as_i64(), first["accepted"].as_i64()),
        (Some(3), Some(3))
    );
    assert_eq!(first["created"], 3);
    assert_eq!(first["acquirer"], "ACQ01");
    assert_eq!(first["replayed"], false);

    let (status, second) = app.upload(&key, JSONL, body).await;
    assert_eq!(status, 200);
    assert_eq!(second["batch_id"], first["batch_id"]);
    assert_eq!(second["replayed"], true);
    let (_, batches) = app.get(&key, "/v1/batches").await;
    assert_eq!(
        batches.as_array().unwrap().len(),
        1,
        "a replay adds no batch"
    );
}
both_backends!(a_jsonl_batch_is_stored_and_the_same_bytes_replay_the_first_result);

async fn valid_rows_are_kept_and_each_bad_row_gets_a_specific_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let mut rows: Vec<Vec<u8>> = Vec::new();
    let mut push = |value: Value| rows.push(value.to_string().into_bytes());
    push(merchant(1));
    let mut wrong_check = merchant(2);
    wrong_check["legal_rep"]["id_number"] = json!("110105194912310021");
    push(wrong_check);
    let mut bad_birth = merchant(3);
    bad_birth["legal_rep"]["id_number"] = json!(fix_check("11010519490230002"));
    push(bad_birth);
    let mut bad_uscc = merchant(4);
    bad_uscc["uscc"] = json!("91350100M000100Y44");
    push(bad_uscc);
    let mut bad_phone = merchant(5);
    bad_phone["legal_rep"]["phone"] = json!("12345678901");
    push(bad_phone);
    let mut bad_luhn = merchant(6);
    bad_luhn["settlement_account"]["number"] = json!("6217000000000000005");
    push(bad_luhn);
    let mut abroad = merchant(7);
    abroad["lat"] = json!(48.85);
    abroad["lng"] = json!(2.35);
    push(abroad);
    let mut bad_mcc = merchant(8);
    bad_mcc["mcc"] = json!("0001");
    push(bad_mcc);
    let mut wrong_type = merchant(9);
    wrong_type["lat"] = json!("NaN");
    push(wrong_type);
    let mut missing = merchant(10);
    missing.as_object_mut().unwrap().remove("legal_rep");
    push(missing);
    let mut nan_text = merchant(11);
    nan_text["name"] = json!(42);
    push(nan_text);
    rows.push(b"{\"merchant_id\": \"898440358129999\", broken".to_vec());
    let body = rows.join(&b'\n');

    let (status, result) = app.upload(&key, JSONL, body).await;
    assert_eq!(status, 201, "{result}");
    assert_eq!(result["accepted"], 1);
    assert_eq!(result["rejected"], 11);
    assert_eq!(
        error_codes(&result),
        vec![
            "id_check_digit",
            "id_birth_date",
            "uscc_check_char",
            "phone_format",
            "account_luhn",
            "coordinates_out_of_range",
            "mcc_unknown",
            "wrong_type",
            "missing_field",
            "wrong_type",
            "malformed_json",
        ]
    );
    let first_error = &result["errors"][0];
    assert_eq!(first_error["line"], 2);
    assert_eq!(first_error["merchant_id"], "898440358120002");
    assert_eq!(first_error["field"], "legal_rep.id_number");
    let text = result.to_string();
    assert!(
        !text.contains("110105194912310021"),
        "errors must not echo raw IDs"
    );
    assert!(
        !text.contains("6217000000000000005"),
        "errors must not echo raw accounts"
    );
}
both_backends!(valid_rows_are_kept_and_each_bad_row_gets_a_specific_error);

fn fix_check(body: &str) -> String {
    // A birth date that does not exist, with a correct check character, so
    // the date check (not the checksum) is what fails.
    format!("{body}{}", matcher::resident_id_check_char(body).unwrap())
}

async fn all_or_nothing_refuses_a_batch_with_any_bad_row_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let mut bad = merchant(2);
    bad["mcc"] = json!("99999");
    let (status, body) = app
        .upload_query(
            &key,
            JSONL,
            jsonl(&[merchant(1), bad]),
            "?all_or_nothing=true",
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "batch_rejected");
    assert_eq!(body["error"]["details"]["errors"][0]["code"], "mcc_format");
    let (status, _) = app.get(&key, "/v1/merchants/ACQ01/898440358120001").await;
    assert_eq!(status, 404, "the good row must not be stored either");
}
both_backends!(all_or_nothing_refuses_a_batch_with_any_bad_row_and_stores_nothing);

/// A refused batch longer than a matching slice: its first slice was handed
/// to linking in the background (indexed, candidates found) before the bad
/// last row refused the batch. The next batch must start from an index
/// without those documents: a stale one would offer a candidate the store
/// does not have, and its link would break the next batch.
async fn a_refused_batch_leaves_nothing_in_the_index_for_the_next(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let slice = hub::alerts::SLICE as u32;
    let mut rows: Vec<Value> = (1..=slice).map(merchant).collect();
    let mut bad = merchant(slice + 1);
    bad["mcc"] = json!("99999");
    rows.push(bad);
    let (status, body) = app
        .upload_query(&key, JSONL, jsonl(&rows), "?all_or_nothing=true")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "batch_rejected");

    // Same names and street as the refused rows: they would be candidates.
    let (status, result) = app
        .upload(&key, JSONL, jsonl(&[merchant(2), merchant(3)]))
        .await;
    assert_eq!(status, 201, "{result}");
    assert_eq!(result["created"], 2);
    assert_eq!(result["alerts"], json!([]), "{result}");
    for absent in [1, 4, slice] {
        let id = merchant(absent)["merchant_id"].as_str().unwrap().to_owned();
        let (status, _) = app.get(&key, &format!("/v1/merchants/ACQ01/{id}")).await;
        assert_eq!(status, 404, "merchant {absent} of the refused batch");
    }
}
both_backends!(a_refused_batch_leaves_nothing_in_the_index_for_the_next);

async fn a_zip_batch_with_photos_stores_them_and_reports_bad_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let mut with_photo = merchant(1);
    with_photo["photos"] = json!([{"kind": "storefront", "file": "photos/m1.jpg"}]);
    let mut broken_photo = merchant(2);
    broken_photo["photos"] = json!([{"kind": "storefront", "file": "photos/broken.jpg"}]);
    let mut missing_photo = merchant(3);
    missing_photo["photos"] = json!([{"kind": "interior", "file": "photos/none.jpg"}]);
    let mut tiny_photo = merchant(4);
    tiny_photo["photos"] = json!([{"kind": "storefront", "file": "photos/tiny.jpg"}]);
    let good = jpeg(320, 240, 1);
    let body = zip(&[
        (
            "merchants.jsonl",
            &jsonl(&[with_photo, broken_photo, missing_photo, tiny_photo]),
        ),
        ("photos/m1.jpg", &good),
        ("photos/broken.jpg", &good[..good.len() / 3]),
        ("photos/tiny.jpg", &jpeg(50, 50, 2)),
    ]);
    let (status, result) = app.upload(&key, "application/zip", body).await;
    assert_eq!(status, 201, "{result}");
    assert_eq!(result["accepted"], 1);
    assert_eq!(
        error_codes(&result),
        vec!["photo_undecodable", "photo_missing", "photo_too_small"]
    );
    let (_, merchant) = app.get(&key, "/v1/merchants/ACQ01/898440358120001").await;
    let sha = merchant["record"]["photos"][0]["sha256"].as_str().unwrap();
    let stored = app.data_dir.path().join("photos").join(&sha[..2]).join(sha);
    assert_eq!(std::fs::read(stored).unwrap(), good);
}
both_backends!(a_zip_batch_with_photos_stores_them_and_reports_bad_ones);

async fn photos_over_the_byte_or_pixel_limit_are_refused_per_row(backend: Backend) {
    let app = spawn_app_with(
        backend,
        hub::Limits {
            max_photo_bytes: 200_000,
            max_photo_pixels: 1_000_000,
            ..hub::Limits::default()
        },
    )
    .await;
    let key = acquirer(&app).await;
    // A PNG header claiming 100000 x 100000 pixels: a decompression bomb.
    let bomb = png_header_claiming(100_000, 100_000);
    let big = vec![0u8; 300_000];
    let mut bomb_row = merchant(1);
    bomb_row["photos"] = json!([{"kind": "storefront", "file": "photos/bomb.png"}]);
    let mut big_row = merchant(2);
    big_row["photos"] = json!([{"kind": "storefront", "file": "photos/big.jpg"}]);
    let body = zip(&[
        ("merchants.jsonl", &jsonl(&[bomb_row, big_row])),
        ("photos/bomb.png", &bomb),
        ("photos/big.jpg", &big),
    ]);
    let (status, result) = app.upload(&key, "application/zip", body).await;
    assert_eq!(status, 201, "{result}");
    assert_eq!(
        error_codes(&result),
        vec!["photo_too_many_pixels", "photo_too_large"]
    );
}
both_backends!(photos_over_the_byte_or_pixel_limit_are_refused_per_row);

fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    // Encode a real 1x1 PNG, then rewrite its IHDR size (and CRC).
    let mut bytes = Vec::new();
    image::RgbImage::new(1, 1)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn whole_batch_problems_are_4xx_and_store_nothing(backend: Backend) {
    let app = spawn_app_with(
        backend,
        hub::Limits {
            max_body_bytes: 64 * 1024,
            ..hub::Limits::default()
        },
    )
    .await;
    let key = acquirer(&app).await;
    let csv_missing = b"merchant_id,name\n898440358120001,Shop\n".to_vec();
    let mut gbk = b"merchant_id,name,mcc,address,legal_rep_name,legal_rep_id_number,account_number,account_name\n".to_vec();
    gbk.extend_from_slice(b"898440358120001,\xc0\xcf\xcd\xf5,5411,x,y,z,1,2\n");
    let escaping = zip(&[("merchants.jsonl", b"{}"), ("../evil.txt", b"x")]);
    let absolute = zip(&[("merchants.jsonl", b"{}"), ("/etc/evil", b"x")]);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("text/csv", csv_missing, 400, "csv_missing_columns"),
        ("text/csv", gbk, 400, "invalid_encoding"),
        ("application/zip", escaping, 400, "zip_unsafe_path"),
        ("application/zip", absolute, 400, "zip_unsafe_path"),
        (
            "application/zip",
            b"PK\x03\x04 not really".to_vec(),
            400,
            "zip_invalid",
        ),
        (
            "application/zip",
            zip(&[("readme.txt", b"hi")]),
            400,
            "zip_no_merchants",
        ),
        (
            "application/pdf",
            b"%PDF".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (JSONL, vec![b'\n'; 10], 400, "batch_empty"),
        (JSONL, vec![b' '; 100 * 1024], 413, "body_too_large"),
    ];
    for (content_type, body, status, code) in cases {
        let (got, answer) = app.upload(&key, content_type, body).await;
        assert_eq!(got.as_u16(), status, "{code}: {answer}");
        assert_eq!(answer["error"]["code"], code);
    }
    let (_, batches) = app.get(&key, "/v1/batches").await;
    assert_eq!(
        batches.as_array().unwrap().len(),
        0,
        "nothing may be stored"
    );
    let spooled = std::fs::read_dir(app.data_dir.path().join("spool"))
        .unwrap()
        .count();
    assert_eq!(spooled, 0, "spool files must be removed");
}
both_backends!(whole_batch_problems_are_4xx_and_store_nothing);

async fn a_csv_pair_in_a_zip_is_read_with_its_terminals(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = acquirer(&app).await;
    let row = merchant(7);
    let merchants = format!(
        "merchant_id,name,mcc,address,legal_rep_name,legal_rep_id_number,legal_rep_phone,account_number,account_name,branch\n\
         {},{},5411,{},王伟,{},{},{},王伟,B01\n",
        row["merchant_id"].as_str().unwrap(),
        row["name"].as_str().unwrap(),
        row["address"].as_str().unwrap(),
        row["legal_rep"]["id_number"].as_str().unwrap(),
        row["legal_rep"]["phone"].as_str().unwrap(),
        row["settlement_account"]["number"].as_str().unwrap(),
    );
    let terminals = format!(
        "merchant_id,terminal_id,sn,vendor\n{},T0000007,sn:n5-000007,Newland\n",
        row["merchant_id"].as_str().unwrap()
    );
    let body = zip(&[
        ("batch/merchants.csv", merchants.as_bytes()),
        ("batch/terminals.csv", terminals.as_bytes()),
    ]);
    let (status, result) = app.upload(&key, "application/zip", body).await;
    assert_eq!(status, 201, "{result}");
    assert_eq!(result["accepted"], 1);
    assert_eq!(result["warnings"][0]["code"], "unknown_field");
    let (_, stored) = app.get(&key, "/v1/merchants/ACQ01/898440358120007").await;
    assert_eq!(stored["record"]["terminals"][0]["sn"], "N5000007");
}
both_backends!(a_csv_pair_in_a_zip_is_read_with_its_terminals);

async fn only_acquirer_keys_upload_and_batches_are_private_to_their_acquirer(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let subscriber = app.create_key("subscriber", None).await;

    for key in [&analyst, &subscriber, &app.admin_key] {
        let (status, body) = app.upload(key, JSONL, jsonl(&[merchant(1)])).await;
        assert_eq!(status, 403, "{body}");
    }
    let (status, body) = app
        .upload_query(&one, JSONL, jsonl(&[merchant(1)]), "?acquirer=ACQ02")
        .await;
    assert_eq!(status, 403, "an acquirer cannot upload for another: {body}");
    let (_, result) = app.upload(&one, JSONL, jsonl(&[merchant(1)])).await;
    assert_eq!(result["created"], 1);
    let id = result["batch_id"].as_i64().unwrap();
    let path = format!("/v1/batches/{id}");
    assert_eq!(app.get(&one, &path).await.0, 200);
    assert_eq!(app.get(&two, &path).await.0, 403);
    assert_eq!(app.get(&analyst, &path).await.0, 200);
    assert_eq!(app.get(&subscriber, &path).await.0, 403);
    let (_, listed) = app.get(&two, "/v1/batches").await;
    assert_eq!(listed.as_array().unwrap().len(), 0);
}
both_backends!(only_acquirer_keys_upload_and_batches_are_private_to_their_acquirer);

/// Issue 7 (found by schemathesis): a bad query on a path that another
/// method shares was answered 405, not 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_query_is_400_invalid_query_on_a_path_two_methods_share() {
    let app = spawn_app(Backend::Sqlite).await;
    let acq = acquirer(&app).await;
    for (method, path, key) in [
        (reqwest::Method::GET, "/v1/batches?limit=0&bogus=1", &acq),
        (reqwest::Method::POST, "/v1/batches?bogus=1", &acq),
        (
            reqwest::Method::GET,
            "/v1/blacklist?limit=x",
            &app.admin_key,
        ),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(key)
            .header("mhub-purpose", "investigation")
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 400, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{method} {path}");
    }
}
