//! Verification (SPEC §6): near-duplicate photos across merchants, location
//! mismatches, terminal location reports and relocated terminals, photos
//! served to those allowed; and every bad input there refused on its own.

use image::{Rgb, RgbImage};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, error_codes, jsonl, member_ids, merchant, spawn_app, zip};

/// A photo-like scene: coloured blocks drawn from `seed`, so two seeds give
/// unrelated pictures.
fn scene(seed: u32) -> RgbImage {
    let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let blocks: Vec<[u8; 3]> = (0..20 * 15)
        .map(|_| {
            let v = next();
            [v as u8, (v >> 8) as u8, (v >> 16) as u8]
        })
        .collect();
    RgbImage::from_fn(
        400,
        300,
        |x, y| Rgb(blocks[(y / 20 * 20 + x / 20) as usize]),
    )
}

fn jpeg_of(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality)
        .encode_image(image)
        .unwrap();
    bytes
}

/// The re-uses fraud rings make of one photo.
fn reused(image: &RgbImage, how: &str) -> Vec<u8> {
    match how {
        "re-encoded" => jpeg_of(image, 60),
        "resized" => jpeg_of(
            &image::imageops::resize(image, 360, 270, image::imageops::FilterType::Triangle),
            85,
        ),
        "cropped" => jpeg_of(
            &image::imageops::crop_imm(image, 8, 6, 384, 288).to_image(),
            85,
        ),
        "brightened" => {
            let mut lighter = image.clone();
            for pixel in lighter.pixels_mut() {
                for channel in &mut pixel.0 {
                    *channel = channel.saturating_add(25);
                }
            }
            jpeg_of(&lighter, 85)
        }
        other => panic!("no re-use {other}"),
    }
}

/// Upload a zip of rows and photo files as `key`; the batch result.
async fn upload_zip(app: &TestApp, key: &str, rows: &[Value], photos: &[(&str, Vec<u8>)]) -> Value {
    let rows = jsonl(rows);
    let mut entries: Vec<(&str, &[u8])> = vec![("merchants.jsonl", &rows)];
    for (name, bytes) in photos {
        entries.push((name, bytes));
    }
    let (status, result) = app.upload(key, "application/zip", zip(&entries)).await;
    assert_eq!(status, 201, "{result}");
    result
}

fn with_photos(mut row: Value, photos: &[(&str, &str)]) -> Value {
    row["photos"] = photos
        .iter()
        .map(|(kind, file)| json!({"kind": kind, "file": file}))
        .collect();
    row
}

async fn alerts_of(app: &TestApp, key: &str, alert_type: &str) -> Vec<Value> {
    let (status, body) = app.get(key, &format!("/v1/alerts?type={alert_type}")).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

async fn reused_photos_on_different_peoples_merchants_are_one_shared_photo_alert_but_one_merchants_repeats_are_not(
    backend: Backend,
) {
    // Arrange: one storefront re-used four ways by four other people's
    // shops; a fifth merchant shows its own storefront twice (storefront and
    // interior); a sixth has an unrelated photo.
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let original = scene(1);
    let own = scene(2);
    let first = vec![
        with_photos(merchant(1), &[("storefront", "photos/1.jpg")]),
        with_photos(merchant(2), &[("storefront", "photos/2.jpg")]),
        with_photos(
            merchant(5),
            &[
                ("storefront", "photos/5a.jpg"),
                ("interior", "photos/5b.jpg"),
            ],
        ),
        with_photos(merchant(6), &[("storefront", "photos/6.jpg")]),
    ];
    upload_zip(
        &app,
        &one,
        &first,
        &[
            ("photos/1.jpg", jpeg_of(&original, 90)),
            ("photos/2.jpg", reused(&original, "re-encoded")),
            ("photos/5a.jpg", jpeg_of(&own, 90)),
            ("photos/5b.jpg", reused(&own, "brightened")),
            ("photos/6.jpg", jpeg_of(&scene(3), 90)),
        ],
    )
    .await;

    // Act: the other re-uses arrive at another acquirer.
    let second = vec![
        with_photos(merchant(3), &[("storefront", "photos/3.jpg")]),
        with_photos(merchant(4), &[("storefront", "photos/4.jpg")]),
        with_photos(merchant(7), &[("storefront", "photos/7.jpg")]),
    ];
    let result = upload_zip(
        &app,
        &two,
        &second,
        &[
            ("photos/3.jpg", reused(&original, "resized")),
            ("photos/4.jpg", reused(&original, "cropped")),
            ("photos/7.jpg", reused(&original, "brightened")),
        ],
    )
    .await;

    // Assert: one alert, grown by the second batch, with every re-use.
    let shared = alerts_of(&app, &analyst, "shared_photo").await;
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(
        member_ids(&shared[0]),
        [
            "ACQ01/898440358120001",
            "ACQ01/898440358120002",
            "ACQ02/898440358120003",
            "ACQ02/898440358120004",
            "ACQ02/898440358120007",
        ]
    );
    assert_eq!(result["alerts"][0]["change"], "grown", "{result}");
    let evidence = &shared[0]["evidence"];
    let pairs = evidence["pairs"].as_array().unwrap();
    assert!(pairs.len() >= 4, "{evidence}");
    for pair in pairs {
        let d = pair["hamming_distance"].as_u64().unwrap();
        assert!(
            d <= evidence["thresholds"]["hamming_distance"].as_u64().unwrap(),
            "{pair}"
        );
    }
    assert_eq!(evidence["photos"].as_array().unwrap().len(), 5);

    // The acquirer sees the other acquirer's holders without merchant numbers.
    let seen = alerts_of(&app, &one, "shared_photo").await;
    for photo in seen[0]["evidence"]["photos"].as_array().unwrap() {
        if photo["acquirer"] == "ACQ02" {
            assert_eq!(photo["merchant_id"], Value::Null, "{photo}");
        }
    }
}
both_backends!(
    reused_photos_on_different_peoples_merchants_are_one_shared_photo_alert_but_one_merchants_repeats_are_not
);

async fn a_photo_is_served_to_analysts_and_its_acquirer_and_to_nobody_else(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let subscriber = app.create_key("subscriber", None).await;
    let bytes = jpeg_of(&scene(9), 90);
    upload_zip(
        &app,
        &one,
        &[with_photos(merchant(1), &[("storefront", "photos/1.jpg")])],
        &[("photos/1.jpg", bytes.clone())],
    )
    .await;
    let (_, stored) = app.get(&one, "/v1/merchants/ACQ01/898440358120001").await;
    let sha = stored["record"]["photos"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/photos/{sha}");

    for key in [&one, &analyst] {
        let (status, content_type, served) = app.get_bytes(key, &path).await;
        assert_eq!(status, 200);
        assert_eq!(content_type.as_deref(), Some("image/jpeg"));
        assert_eq!(served, bytes);
    }
    assert_eq!(app.get_bytes(&two, &path).await.0, 404);
    assert_eq!(app.get_bytes(&subscriber, &path).await.0, 403);
    assert_eq!(
        app.get_bytes(&analyst, "/v1/photos/../../secrets").await.0,
        404
    );
    assert_eq!(
        app.get_bytes(&analyst, &format!("/v1/photos/{}", "0".repeat(64)))
            .await
            .0,
        404
    );
}
both_backends!(a_photo_is_served_to_analysts_and_its_acquirer_and_to_nobody_else);

async fn gps_in_another_city_a_region_code_against_the_address_and_far_exif_are_location_mismatches(
    backend: Backend,
) {
    // Arrange: merchant(n) trades in 深圳市福田区 with GPS there.
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let mut in_beijing = merchant(1);
    in_beijing["lat"] = json!(39.9087);
    in_beijing["lng"] = json!(116.3975);
    let mut suburban = merchant(2);
    // 15 km from 福田's seat, still in its district's tolerance.
    suburban["lat"] = json!(22.65);
    suburban["lng"] = json!(114.10);
    let mut wrong_region = merchant(3);
    wrong_region["region_code"] = json!("110105");
    let taken = time::macros::datetime!(2025-03-01 10:00:00);
    let far_exif = samplegen::jpeg_with_gps(&jpeg_of(&scene(4), 90), 23.1291, 113.2644, taken);
    let near_exif = samplegen::jpeg_with_gps(&jpeg_of(&scene(5), 90), 22.5405, 114.0502, taken);
    let rows = vec![
        in_beijing,
        suburban,
        wrong_region,
        with_photos(merchant(4), &[("storefront", "photos/far.jpg")]),
        with_photos(merchant(5), &[("storefront", "photos/near.jpg")]),
    ];

    // Act
    upload_zip(
        &app,
        &key,
        &rows,
        &[("photos/far.jpg", far_exif), ("photos/near.jpg", near_exif)],
    )
    .await;

    // Assert: one alert per merchant that does not add up, each explained.
    let alerts = alerts_of(&app, &analyst, "location_mismatch").await;
    let checks = |id: &str| -> Vec<String> {
        alerts
            .iter()
            .find(|a| member_ids(a) == [format!("ACQ01/{id}")])
            .map(|a| {
                a["evidence"]["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["check"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(alerts.len(), 3, "{alerts:?}");
    assert_eq!(checks("898440358120001"), ["gps_vs_region"]);
    assert!(checks("898440358120003").contains(&"region_vs_address".to_owned()));
    assert_eq!(checks("898440358120004"), ["photo_vs_gps"]);
    let beijing = alerts
        .iter()
        .find(|a| member_ids(a) == ["ACQ01/898440358120001"])
        .unwrap();
    let finding = &beijing["evidence"]["findings"][0];
    assert!(
        finding["distance_km"].as_f64().unwrap() > 1900.0,
        "{finding}"
    );
    assert_eq!(finding["tolerance_km"], 40.0);
    // The photo's EXIF GPS and capture time are kept with the record.
    let (_, stored) = app.get(&key, "/v1/merchants/ACQ01/898440358120005").await;
    let photo = &stored["record"]["photos"][0];
    assert!(
        (photo["gps"]["lat"].as_f64().unwrap() - 22.5405).abs() < 1e-4,
        "{photo}"
    );
    assert_eq!(photo["taken_at"], "2025-03-01T10:00:00");
}
both_backends!(
    gps_in_another_city_a_region_code_against_the_address_and_far_exif_are_location_mismatches
);

async fn unreadable_exif_and_impossible_exif_gps_are_row_errors_that_store_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let key = app.create_key("acquirer", Some("ACQ01")).await;
    let photo = jpeg_of(&scene(6), 90);
    // An APP1 that claims to be EXIF and holds garbage.
    let garbage = samplegen::jpeg_with_app1(
        &photo,
        &[
            0xFF, 0xE1, 0x00, 0x10, b'E', b'x', b'i', b'f', 0, 0, b'M', b'M', 0, 42, 0xFF, 0xFF,
            0xFF, 0xFF,
        ],
    );
    let taken = time::macros::datetime!(2025-03-01 10:00:00);
    let impossible = samplegen::jpeg_with_gps(&photo, 95.0, 114.05, taken);
    let rows = vec![
        with_photos(merchant(1), &[("storefront", "photos/garbage.jpg")]),
        with_photos(merchant(2), &[("storefront", "photos/impossible.jpg")]),
        merchant(3),
    ];
    let result = upload_zip(
        &app,
        &key,
        &rows,
        &[
            ("photos/garbage.jpg", garbage),
            ("photos/impossible.jpg", impossible),
        ],
    )
    .await;
    assert_eq!(result["accepted"], 1, "{result}");
    assert_eq!(
        error_codes(&result),
        ["photo_exif_invalid", "photo_exif_gps_invalid"]
    );
    assert_eq!(
        app.get(&key, "/v1/merchants/ACQ01/898440358120001").await.0,
        404
    );
}
both_backends!(unreadable_exif_and_impossible_exif_gps_are_row_errors_that_store_nothing);

async fn a_terminal_seen_far_from_its_merchant_is_relocated_and_bad_reports_are_refused_one_by_one(
    backend: Backend,
) {
    // Arrange: merchant(1) (GPS in 福田区) with terminal T0000001, SN N5-000001.
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let two = app.create_key("acquirer", Some("ACQ02")).await;
    let analyst = app.create_key("analyst", None).await;
    let (status, _) = app
        .upload(&one, "application/x-ndjson", jsonl(&[merchant(1)]))
        .await;
    assert_eq!(status, 201);
    let path = "/v1/terminals/locations";

    // Act: a report 5 km away in the same city, one in 广州 (about 100 km)
    // by SN written loosely, and bad ones.
    let (status, first) = app
        .post_json(
            &one,
            path,
            &json!([
                {"terminal_id": "T0000001", "lat": 22.58, "lng": 114.07, "seen_at": "2025-03-16T11:46:20+08:00"},
                {"sn": "sn n5 000001", "lat": 23.1291, "lng": 113.2644, "seen_at": "2025-03-17T09:00:00+08:00"},
                {"terminal_id": "T9999999", "lat": 22.58, "lng": 114.07, "seen_at": "2025-03-16T11:46:20+08:00"},
                {"terminal_id": "T0000001", "lat": 95.0, "lng": 114.07, "seen_at": "2025-03-16T11:46:20+08:00"},
                {"terminal_id": "T0000001", "lat": 22.58, "lng": 114.07, "seen_at": "yesterday"},
                {"terminal_id": "T0000001", "sn": "N5-000001", "lat": 22.58, "lng": 114.07, "seen_at": "2025-03-16T11:46:20+08:00"},
                {"terminal_id": "T0000001", "lat": "north", "lng": 114.07, "seen_at": "2025-03-16T11:46:20+08:00"}
            ]),
        )
        .await;
    // Another acquirer cannot report this terminal: to it, it does not exist.
    let (_, theirs) = app
        .post_json(
            &two,
            path,
            &json!([{"terminal_id": "T0000001", "lat": 23.1291, "lng": 113.2644, "seen_at": "2025-03-17T09:00:00+08:00"}]),
        )
        .await;

    // Assert
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["accepted"].as_u64(), first["rejected"].as_u64()),
        (Some(2), Some(5))
    );
    let codes: Vec<Value> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].clone())
        .collect();
    assert_eq!(
        codes,
        [
            Value::Null,
            Value::Null,
            json!("unknown_terminal"),
            json!("coordinates_out_of_range"),
            json!("invalid_seen_at"),
            json!("invalid_report"),
            json!("invalid_report"),
        ]
    );
    assert_eq!(first["results"][0]["far"], false);
    assert_eq!(first["results"][1]["far"], true);
    assert_eq!(theirs["results"][0]["code"], "unknown_terminal");

    let relocated = alerts_of(&app, &analyst, "terminal_relocated").await;
    assert_eq!(relocated.len(), 1, "{relocated:?}");
    assert_eq!(member_ids(&relocated[0]), ["ACQ01/898440358120001"]);
    let evidence = &relocated[0]["evidence"];
    assert_eq!(evidence["terminal_id"], "T0000001");
    assert_eq!(
        evidence["reports"].as_array().unwrap().len(),
        1,
        "only far reports are evidence"
    );
    assert!(evidence["reports"][0]["distance_km"].as_f64().unwrap() > 90.0);

    // A second far sighting updates the same alert.
    let (_, again) = app
        .post_json(
            &one,
            path,
            &json!([{"terminal_id": "T0000001", "lat": 23.13, "lng": 113.27, "seen_at": "2025-03-18T09:00:00+08:00"}]),
        )
        .await;
    assert_eq!(again["alerts"][0]["id"], relocated[0]["id"], "{again}");
    assert_eq!(
        alerts_of(&app, &analyst, "terminal_relocated").await.len(),
        1
    );
}
both_backends!(
    a_terminal_seen_far_from_its_merchant_is_relocated_and_bad_reports_are_refused_one_by_one
);

async fn whole_report_requests_that_cannot_be_taken_are_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    let one = app.create_key("acquirer", Some("ACQ01")).await;
    let analyst = app.create_key("analyst", None).await;
    let subscriber = app.create_key("subscriber", None).await;
    let path = "/v1/terminals/locations";
    let cases = [
        (&one, b"[]".to_vec(), 400, "reports_empty"),
        (&one, b"{\"lat\": 1}".to_vec(), 400, "invalid_body"),
        (&one, b"not json".to_vec(), 400, "invalid_body"),
        (&analyst, b"[{}]".to_vec(), 403, "forbidden"),
        (&subscriber, b"[{}]".to_vec(), 403, "forbidden"),
    ];
    for (key, body, status, code) in cases {
        let (got, answer) = app.post_bytes(key, path, body).await;
        assert_eq!(
            (got.as_u16(), answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{answer}"
        );
    }
    let too_many: Vec<Value> = (0..10_001)
        .map(|_| json!({"terminal_id": "T0000001", "lat": 22.5, "lng": 114.0, "seen_at": "2025-03-16T11:46:20+08:00"}))
        .collect();
    let (got, answer) = app.post_json(&one, path, &Value::Array(too_many)).await;
    assert_eq!(
        (got.as_u16(), answer["error"]["code"].as_str()),
        (413, Some("too_many_reports"))
    );
}
both_backends!(whole_report_requests_that_cannot_be_taken_are_4xx);

async fn a_second_hub_on_the_same_store_finds_a_photo_the_first_hub_stored(backend: Backend) {
    // Arrange: two hubs on one database, each with its own derived indexes.
    let first = spawn_app(backend).await;
    let second = crate::helpers::spawn_second_hub(&first).await;
    let one = first.create_key("acquirer", Some("ACQ01")).await;
    let two = first.create_key("acquirer", Some("ACQ02")).await;
    let original = scene(21);
    upload_zip(
        &first,
        &one,
        &[with_photos(merchant(1), &[("storefront", "photos/1.jpg")])],
        &[("photos/1.jpg", jpeg_of(&original, 90))],
    )
    .await;

    // Act: the re-use arrives at the second hub, which started before the
    // first photo was stored.
    let result = upload_zip(
        &second,
        &two,
        &[with_photos(merchant(2), &[("storefront", "photos/2.jpg")])],
        &[("photos/2.jpg", reused(&original, "resized"))],
    )
    .await;

    // Assert
    assert_eq!(result["alerts"][0]["type"], "shared_photo", "{result}");
    let shared = alerts_of(&second, &first.admin_key, "shared_photo").await;
    assert_eq!(
        member_ids(&shared[0]),
        ["ACQ01/898440358120001", "ACQ02/898440358120002"]
    );
}
both_backends!(a_second_hub_on_the_same_store_finds_a_photo_the_first_hub_stored);
