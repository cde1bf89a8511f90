//! Photos: checked by decoding under limits, hashed for near-duplicate
//! search, their EXIF GPS and capture time read, stored once by content hash.

use std::fs;
use std::io::{Cursor, Write};
use std::path::PathBuf;

use image::{DynamicImage, ImageReader, Limits as DecodeLimits};
use image_hasher::{HashAlg, HasherConfig};
use matcher::{Coordinates, PhotoHash, THUMBNAIL_SIDE, Thumbnail};

use crate::config::Limits;
use crate::digest::sha256_hex;
use crate::store::PhotoMeta;

use super::issue::Issue;

/// Smallest accepted side, in pixels: below this a storefront cannot be
/// verified by a person or hashed meaningfully.
const MIN_SIDE: u32 = 200;

/// Photos are hashed from a thumbnail of at most this side: the hashes look
/// at 8×8 and 16×16 pictures, and shrinking a 12-megapixel photo once is
/// far cheaper than letting the hasher filter it at full size.
const HASH_THUMBNAIL: u32 = 256;

/// Photo files under `photos/<first two hex digits>/<sha256>`.
#[derive(Debug, Clone)]
pub struct PhotoStore {
    root: PathBuf,
}

impl PhotoStore {
    /// A store rooted at the data directory's photo folder.
    pub fn new(root: PathBuf) -> PhotoStore {
        PhotoStore { root }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[..2]).join(sha256)
    }

    /// Store bytes under their hash. Written to a temporary file, synced and
    /// renamed, so a crash never leaves a half photo under a valid name.
    pub fn put(&self, sha256: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(sha256);
        if path.exists() {
            return Ok(());
        }
        let dir = path.parent().expect("photo paths have a parent");
        fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Read a stored photo, if present.
    pub fn get(&self, sha256: &str) -> std::io::Result<Option<Vec<u8>>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        match fs::read(self.path(sha256)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Decode a photo under the limits and check it is a usable picture.
/// `field` names the row field for error reports.
pub fn inspect(bytes: &[u8], limits: &Limits, field: &str) -> Result<PhotoMeta, Issue> {
    if bytes.len() as u64 > limits.max_photo_bytes {
        return Err(Issue::error(
            field,
            "photo_too_large",
            format!(
                "photo is {} bytes; the limit is {}",
                bytes.len(),
                limits.max_photo_bytes
            ),
        ));
    }
    let undecodable = |detail: String| {
        Issue::error(
            field,
            "photo_undecodable",
            format!("photo cannot be decoded: {detail}"),
        )
    };
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| undecodable(e.to_string()))?;
    let format = reader
        .format()
        .ok_or_else(|| undecodable("not a JPEG or PNG".into()))?;
    // Read the header first: the pixel count is known before any pixel is
    // decoded, so a decompression bomb costs nothing.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| undecodable(e.to_string()))?;
    if format == image::ImageFormat::Jpeg && !jpeg_has_end_marker(bytes) {
        // The JPEG decoder fills a truncated scan with grey instead of
        // failing; a cut-off upload must not pass as a photo.
        return Err(undecodable(
            "JPEG is truncated (no end-of-image marker)".into(),
        ));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_photo_pixels {
        return Err(Issue::error(
            field,
            "photo_too_many_pixels",
            format!(
                "photo is {width}x{height} = {pixels} pixels; the limit is {}",
                limits.max_photo_pixels
            ),
        ));
    }
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(Issue::error(
            field,
            "photo_too_small",
            format!("photo is {width}x{height}; at least {MIN_SIDE}x{MIN_SIDE} is needed"),
        ));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decode_limits = DecodeLimits::default();
    decode_limits.max_image_width = Some(width);
    decode_limits.max_image_height = Some(height);
    decode_limits.max_alloc = Some(pixels * 8 + (1 << 20));
    reader.limits(decode_limits);
    let image = reader.decode().map_err(|e| undecodable(e.to_string()))?;
    let thumbnail = image.thumbnail(HASH_THUMBNAIL, HASH_THUMBNAIL);
    drop(image);
    if is_blank(&thumbnail) {
        return Err(Issue::error(
            field,
            "photo_blank",
            "photo is blank or of one uniform colour",
        ));
    }
    let (search_hash, thumbnail) = fingerprint(&thumbnail);
    let (gps, taken_at) = exif(bytes, field)?;
    Ok(PhotoMeta {
        sha256: sha256_hex(bytes),
        format: format!("{format:?}").to_lowercase(),
        width,
        height,
        bytes: bytes.len() as u64,
        search_hash,
        thumbnail,
        gps,
        taken_at,
    })
}

/// The photo's 64-bit search hash (see [`matcher::PhotoHash`]: a DCT hash,
/// the median of the low frequencies, robust to re-encoding, resizing and
/// brightness) and its 48×48 grey thumbnail, to confirm candidates with.
fn fingerprint(thumbnail: &DynamicImage) -> (PhotoHash, Thumbnail) {
    let search = HasherConfig::new()
        .hash_size(8, 8)
        .hash_alg(HashAlg::Median)
        .preproc_dct()
        .to_hasher()
        .hash_image(thumbnail);
    let mut bits = [0u8; 8];
    for (slot, byte) in bits.iter_mut().zip(search.as_bytes()) {
        *slot = *byte;
    }
    let side = THUMBNAIL_SIDE as u32;
    let grey = image::imageops::resize(
        &thumbnail.to_luma8(),
        side,
        side,
        image::imageops::FilterType::Triangle,
    );
    let thumb = Thumbnail::from_bytes(grey.into_raw()).expect("resized to the thumbnail side");
    (PhotoHash(u64::from_be_bytes(bits)), thumb)
}

/// EXIF GPS (WGS-84, by the EXIF standard) and capture time, when the photo
/// carries them. A photo without EXIF has neither; EXIF that cannot be read,
/// or GPS tags that are not a position on Earth, are an error of the row:
/// a location the hub cannot trust must not pass silently into the checks.
fn exif(bytes: &[u8], field: &str) -> Result<(Option<Coordinates>, Option<String>), Issue> {
    let parsed = match exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) {
        Ok(parsed) => parsed,
        Err(exif::Error::NotFound(_) | exif::Error::BlankValue(_)) => return Ok((None, None)),
        Err(error) => {
            return Err(Issue::error(
                field,
                "photo_exif_invalid",
                format!("photo EXIF cannot be read: {error}"),
            ));
        }
    };
    let taken_at = parsed
        .get_field(exif::Tag::DateTimeOriginal, exif::In::PRIMARY)
        .and_then(|f| match &f.value {
            exif::Value::Ascii(parts) => parts.first(),
            _ => None,
        })
        .and_then(|raw| exif::DateTime::from_ascii(raw).ok())
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            )
        });
    let coordinate = |tag, reference, positive: u8, max: f64| -> Result<Option<f64>, Issue> {
        let Some(value) = parsed.get_field(tag, exif::In::PRIMARY) else {
            return Ok(None);
        };
        let bad = |why: &str| {
            Issue::error(
                field,
                "photo_exif_gps_invalid",
                format!("photo EXIF GPS is not a position: {why}"),
            )
        };
        let exif::Value::Rational(parts) = &value.value else {
            return Err(bad("degrees are not rationals"));
        };
        if parts.len() != 3 || parts.iter().any(|r| r.denom == 0) {
            return Err(bad("degrees, minutes, seconds expected"));
        }
        let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
        if !(degrees.is_finite() && degrees <= max)
            || parts[1].to_f64() >= 60.0
            || parts[2].to_f64() >= 60.0
        {
            return Err(bad("out of range"));
        }
        let sign = match parsed
            .get_field(reference, exif::In::PRIMARY)
            .map(|f| &f.value)
        {
            Some(exif::Value::Ascii(parts))
                if parts.first().is_some_and(|p| p.first() == Some(&positive)) =>
            {
                1.0
            }
            Some(exif::Value::Ascii(_)) => -1.0,
            _ => return Err(bad("no N/S or E/W reference")),
        };
        Ok(Some(sign * degrees))
    };
    let lat = coordinate(
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'N',
        90.0,
    )?;
    let lng = coordinate(
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'E',
        180.0,
    )?;
    let gps = match (lat, lng) {
        (Some(lat), Some(lng)) => Some(Coordinates { lat, lng }),
        (None, None) => None,
        _ => {
            return Err(Issue::error(
                field,
                "photo_exif_gps_invalid",
                "photo EXIF GPS has a latitude or a longitude, not both",
            ));
        }
    };
    Ok((gps, taken_at))
}

/// Whether a JPEG has its end-of-image marker after the first top-level
/// start-of-scan. Walking the segment lengths skips an EXIF thumbnail (a
/// whole JPEG with its own markers inside APP1); inside entropy-coded data a
/// 0xFF byte is always followed by 0x00 or a restart marker, so `FF D9`
/// there can only be the real end.
fn jpeg_has_end_marker(bytes: &[u8]) -> bool {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return false;
        }
        let marker = bytes[at + 1];
        if marker == 0xDA {
            return bytes[at..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + length;
    }
    false
}

/// A photo whose brightness barely varies shows nothing (a lens cap, a
/// blank canvas). Measured on a small grey thumbnail, so cheap.
fn is_blank(image: &DynamicImage) -> bool {
    let thumb = image.thumbnail(32, 32).to_luma8();
    let values: Vec<f64> = thumb.pixels().map(|p| f64::from(p.0[0])).collect();
    let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
    let variance =
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len().max(1) as f64;
    variance < 4.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageFormat, Rgb, RgbImage};

    fn encode(image: &RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut bytes), format)
            .unwrap();
        bytes
    }

    fn striped(width: u32, height: u32) -> RgbImage {
        RgbImage::from_fn(width, height, |x, y| {
            Rgb([
                (x * 7 % 256) as u8,
                (y * 3 % 256) as u8,
                ((x + y) % 256) as u8,
            ])
        })
    }

    #[test]
    fn a_real_photo_is_accepted_with_its_size_and_hash() {
        let bytes = encode(&striped(320, 240), ImageFormat::Jpeg);
        let meta = inspect(&bytes, &Limits::default(), "photos[0].file").unwrap();
        assert_eq!((meta.width, meta.height), (320, 240));
        assert_eq!(meta.format, "jpeg");
        assert_eq!(meta.sha256, sha256_hex(&bytes));
    }

    #[test]
    fn broken_tiny_blank_and_oversized_photos_get_their_own_codes() {
        let limits = Limits {
            max_photo_pixels: 500 * 500,
            ..Limits::default()
        };
        let jpeg = encode(&striped(320, 240), ImageFormat::Jpeg);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"not an image at all".to_vec(), "photo_undecodable"),
            (jpeg[..jpeg.len() / 2].to_vec(), "photo_undecodable"),
            (
                encode(&striped(100, 100), ImageFormat::Png),
                "photo_too_small",
            ),
            (
                encode(
                    &RgbImage::from_pixel(300, 300, Rgb([200, 200, 200])),
                    ImageFormat::Png,
                ),
                "photo_blank",
            ),
            (
                encode(&striped(600, 600), ImageFormat::Png),
                "photo_too_many_pixels",
            ),
        ];
        for (bytes, code) in cases {
            let issue = inspect(&bytes, &limits, "f").unwrap_err();
            assert_eq!(issue.code, code, "{}", issue.message);
        }
    }

    #[test]
    fn photos_are_stored_once_under_their_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = PhotoStore::new(dir.path().to_owned());
        let bytes = b"photo bytes";
        let sha = sha256_hex(bytes);
        store.put(&sha, bytes).unwrap();
        store.put(&sha, bytes).unwrap();
        assert_eq!(store.get(&sha).unwrap().unwrap(), bytes);
        assert_eq!(store.get("../../etc/passwd").unwrap(), None);
    }
}
