//! The `photo` target: [`hub::ingest::inspect_photo`], the check every photo
//! of a zip batch goes through (format sniffing, header-only pixel limit,
//! truncated-JPEG check, decode under allocation limits, blank check,
//! perceptual hash and thumbnail, EXIF GPS and capture time).

use std::sync::LazyLock;

use hub::Limits;

static LIMITS: LazyLock<Limits> = LazyLock::new(Limits::default);

/// Inspect `data` as an uploaded photo; an accepted one must meet the limits.
pub fn photo(data: &[u8]) {
    let Ok(meta) = hub::ingest::inspect_photo(data, &LIMITS, "photos[0].file") else {
        return;
    };
    assert!(u64::from(meta.width) * u64::from(meta.height) <= LIMITS.max_photo_pixels);
    assert!(
        meta.width >= 200 && meta.height >= 200,
        "accepted photos are at least 200x200"
    );
    assert_eq!(meta.bytes, data.len() as u64);
    if let Some(gps) = meta.gps {
        assert!(
            gps.lat.abs() <= 90.0 && gps.lng.abs() <= 180.0,
            "EXIF GPS is on Earth"
        );
    }
}
