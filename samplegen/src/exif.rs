//! A minimal EXIF writer: an APP1 segment with a capture time and a GPS position.
//!
//! Phones write EXIF GPS into storefront photos, and the hub compares it with
//! the declared address (SPEC §6). No crate the workspace allows writes EXIF,
//! and the block needed is fixed and small, so it is laid out by hand:
//!
//! ```text
//! "Exif\0\0"  then a big-endian TIFF file:
//!   0   header  "MM" 002A 00000008
//!   8   IFD0    3 entries: DateTime(0x0132) → 50, ExifIFD(0x8769) → 70, GPS(0x8825) → 108
//!   50  DateTime "YYYY:MM:DD HH:MM:SS\0"
//!   70  Exif IFD 1 entry: DateTimeOriginal(0x9003) → 88
//!   88  DateTimeOriginal
//!   108 GPS IFD  5 entries: version 2.3, N/S, latitude → 174, E/W, longitude → 198
//!   174 latitude  3 RATIONALs (degrees, minutes, seconds × 10000)
//!   198 longitude 3 RATIONALs
//!   222 end
//! ```

use time::PrimitiveDateTime;

use crate::geo::Point;

const ASCII: u16 = 2;
const LONG: u16 = 4;
const RATIONAL: u16 = 5;
const BYTE: u16 = 1;

/// Big-endian TIFF byte builder.
struct Tiff(Vec<u8>);

impl Tiff {
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_be_bytes());
    }

    /// An IFD entry whose value is an offset or a 4-byte inline value.
    fn entry(&mut self, tag: u16, kind: u16, count: u32, value: u32) {
        self.u16(tag);
        self.u16(kind);
        self.u32(count);
        self.u32(value);
    }

    /// An IFD entry with up to 4 inline bytes, left-aligned.
    fn entry_inline(&mut self, tag: u16, kind: u16, count: u32, bytes: [u8; 4]) {
        self.u16(tag);
        self.u16(kind);
        self.u32(count);
        self.0.extend_from_slice(&bytes);
    }

    fn rationals(&mut self, degrees: f64) {
        let degrees = degrees.abs();
        let whole = degrees.trunc();
        let minutes = ((degrees - whole) * 60.0).trunc();
        let seconds = ((degrees - whole) * 60.0 - minutes) * 60.0;
        for (num, den) in [
            (whole as u32, 1),
            (minutes as u32, 1),
            ((seconds * 10_000.0).round() as u32, 10_000),
        ] {
            self.u32(num);
            self.u32(den);
        }
    }
}

/// The APP1 segment (marker included) carrying `taken` and `point`.
pub(crate) fn gps_app1(point: Point, taken: PrimitiveDateTime) -> Vec<u8> {
    let stamp = format!(
        "{:04}:{:02}:{:02} {:02}:{:02}:{:02}\0",
        taken.year(),
        u8::from(taken.month()),
        taken.day(),
        taken.hour(),
        taken.minute(),
        taken.second()
    );
    debug_assert_eq!(stamp.len(), 20);
    let mut t = Tiff(Vec::with_capacity(222));
    t.0.extend_from_slice(b"MM");
    t.u16(0x002A);
    t.u32(8);
    // IFD0 at 8.
    t.u16(3);
    t.entry(0x0132, ASCII, 20, 50);
    t.entry(0x8769, LONG, 1, 70);
    t.entry(0x8825, LONG, 1, 108);
    t.u32(0);
    t.0.extend_from_slice(stamp.as_bytes());
    // Exif IFD at 70.
    t.u16(1);
    t.entry(0x9003, ASCII, 20, 88);
    t.u32(0);
    t.0.extend_from_slice(stamp.as_bytes());
    // GPS IFD at 108.
    let lat_ref = if point.lat >= 0.0 { b'N' } else { b'S' };
    let lng_ref = if point.lng >= 0.0 { b'E' } else { b'W' };
    t.u16(5);
    t.entry_inline(0x0000, BYTE, 4, [2, 3, 0, 0]);
    t.entry_inline(0x0001, ASCII, 2, [lat_ref, 0, 0, 0]);
    t.entry(0x0002, RATIONAL, 3, 174);
    t.entry_inline(0x0003, ASCII, 2, [lng_ref, 0, 0, 0]);
    t.entry(0x0004, RATIONAL, 3, 198);
    t.u32(0);
    t.rationals(point.lat);
    t.rationals(point.lng);
    debug_assert_eq!(t.0.len(), 222);

    let length = (2 + 6 + t.0.len()) as u16;
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&t.0);
    segment
}

/// `jpeg` with `app1` inserted after SOI and the JFIF APP0 segment, if any.
pub(crate) fn insert_app1(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    let mut at = 2;
    if jpeg.len() > 6 && jpeg[2..4] == [0xFF, 0xE0] {
        at = 4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let mut out = Vec::with_capacity(jpeg.len() + app1.len());
    out.extend_from_slice(&jpeg[..at]);
    out.extend_from_slice(app1);
    out.extend_from_slice(&jpeg[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn be32(b: &[u8], at: usize) -> u32 {
        u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn be16(b: &[u8], at: usize) -> u16 {
        u16::from_be_bytes(b[at..at + 2].try_into().unwrap())
    }

    #[test]
    fn the_segment_has_the_documented_layout() {
        let point = Point {
            lat: 22.543096,
            lng: 114.057865,
        };
        let app1 = gps_app1(point, datetime!(2024-05-06 10:20:30));
        assert_eq!(&app1[..4], &[0xFF, 0xE1, 0x00, 230]);
        assert_eq!(&app1[4..10], b"Exif\0\0");
        let t = &app1[10..];
        assert_eq!(t.len(), 222);
        assert_eq!(&t[..8], b"MM\x00\x2A\x00\x00\x00\x08");
        // IFD0: three entries, sorted by tag, pointing where the doc says.
        assert_eq!(be16(t, 8), 3);
        assert_eq!((be16(t, 10), be32(t, 18)), (0x0132, 50));
        assert_eq!((be16(t, 22), be32(t, 30)), (0x8769, 70));
        assert_eq!((be16(t, 34), be32(t, 42)), (0x8825, 108));
        assert_eq!(&t[50..70], b"2024:05:06 10:20:30\0");
        assert_eq!((be16(t, 70), be16(t, 72), be32(t, 80)), (1, 0x9003, 88));
        assert_eq!(&t[88..108], b"2024:05:06 10:20:30\0");
        // GPS IFD.
        assert_eq!(be16(t, 108), 5);
        assert_eq!(&t[110..122], &[0, 0, 0, 1, 0, 0, 0, 4, 2, 3, 0, 0]);
        assert_eq!(&t[122..126], &[0, 1, 0, 2]);
        assert_eq!(t[130], b'N');
        assert_eq!(t[154], b'E');
        // 22.543096° = 22° 32' 35.1456"
        let lat: Vec<u32> = (0..6).map(|i| be32(t, 174 + 4 * i)).collect();
        assert_eq!(lat, vec![22, 1, 32, 1, 351_456, 10_000]);
        let lng: Vec<u32> = (0..6).map(|i| be32(t, 198 + 4 * i)).collect();
        assert_eq!(lng[0], 114);
        assert_eq!(lng[2], 3);
    }

    #[test]
    fn insertion_keeps_the_jfif_header_first_and_the_image_decodable() {
        let image = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 10, 10]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .encode_image(&image)
            .unwrap();
        let app1 = gps_app1(
            Point {
                lat: 30.0,
                lng: 120.0,
            },
            datetime!(2024-01-01 0:00),
        );
        let out = insert_app1(&jpeg, &app1);
        assert_eq!(&out[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
        let at = out.windows(6).position(|w| w == b"Exif\0\0").unwrap();
        assert_eq!(&out[at - 4..at - 2], &[0xFF, 0xE1]);
        assert_eq!(out.len(), jpeg.len() + app1.len());
        assert!(image::load_from_memory(&out).is_ok());
    }
}
