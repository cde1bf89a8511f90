//! Photos decode, unrelated photos are far apart to a perceptual hash, and
//! planted near-duplicates are near.

use std::collections::BTreeMap;
use std::fs;

use crate::helpers::{Dataset, dataset, phash, photo_options};

/// Storefront hash per merchant (acquirer, merchant_id), for rows whose
/// first photo decodes.
fn storefronts(data: &Dataset) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for r in &data.rows {
        let Some(v) = &r.value else { continue };
        let Some(file) = v.pointer("/photos/0/file").and_then(|f| f.as_str()) else {
            continue;
        };
        let Ok(bytes) = fs::read(data.dir.join(&r.acquirer).join(file)) else {
            continue;
        };
        if image::load_from_memory(&bytes).is_ok() {
            out.insert(
                (r.acquirer.clone(), r.merchant_id().to_owned()),
                phash(&bytes),
            );
        }
    }
    out
}

fn key(m: &samplegen::Member) -> (String, String) {
    (m.acquirer.clone(), m.merchant_id.clone())
}

#[test]
fn photos_decode_at_the_documented_sizes_and_stay_small() {
    let data = dataset("photo", &photo_options());
    let mut count = 0;
    for acquirer in ["ACQ01", "ACQ02", "ACQ03"] {
        for entry in fs::read_dir(data.dir.join(acquirer).join("photos")).unwrap() {
            let bytes = fs::read(entry.unwrap().path()).unwrap();
            let Ok(image) = image::load_from_memory(&bytes) else {
                continue;
            };
            count += 1;
            assert!((320..=480).contains(&image.width()) && (240..=360).contains(&image.height()));
            assert!(bytes.len() < 40_000, "{} bytes", bytes.len());
        }
    }
    assert!(count >= 90, "{count} photos");
}

#[test]
fn unrelated_photos_differ_and_near_duplicates_are_near() {
    let data = dataset("photo", &photo_options());
    let hashes = storefronts(&data);
    let mut related: Vec<((String, String), (String, String))> = Vec::new();
    for case in data
        .truth
        .cases
        .iter()
        .filter(|c| c.case_type == "shared_photo")
    {
        let first = key(&case.members[0]);
        for m in &case.members[1..] {
            let d = (hashes[&first] ^ hashes[&key(m)]).count_ones();
            assert!(
                d <= 8,
                "near-duplicates {first:?} / {m:?} are {d} bits apart"
            );
            related.push((first.clone(), key(m)));
        }
    }
    assert!(!related.is_empty());
    // Unrelated pairs: anything not planted as the same photo. Chain outlets
    // look alike but must still be told apart.
    let same_photo = |a: &(String, String), b: &(String, String)| {
        data.truth
            .cases
            .iter()
            .filter(|c| c.case_type == "shared_photo")
            .any(|c| {
                c.members.iter().any(|m| key(m) == *a) && c.members.iter().any(|m| key(m) == *b)
            })
    };
    let list: Vec<_> = hashes.iter().collect();
    let (mut closest, mut total, mut pairs) = (u32::MAX, 0u64, 0u64);
    for (i, (a, ha)) in list.iter().enumerate() {
        for (b, hb) in &list[i + 1..] {
            if !same_photo(a, b) {
                let d = (*ha ^ *hb).count_ones();
                closest = closest.min(d);
                total += u64::from(d);
                pairs += 1;
            }
        }
    }
    assert!(
        closest >= 12,
        "two unrelated storefronts are only {closest} bits apart"
    );
    let mean = total as f64 / pairs as f64;
    assert!(
        mean >= 24.0,
        "unrelated storefronts are {mean:.1} bits apart on average"
    );
}

#[test]
fn some_photos_carry_exif_gps() {
    let data = dataset("photo", &photo_options());
    let with_exif = data
        .rows
        .iter()
        .filter_map(|r| {
            let file = r.value.as_ref()?.pointer("/photos/0/file")?.as_str()?;
            fs::read(data.dir.join(&r.acquirer).join(file)).ok()
        })
        .filter(|bytes| bytes.windows(6).any(|w| w == b"Exif\0\0"))
        .count();
    assert!(with_exif >= 10, "{with_exif}");
}
