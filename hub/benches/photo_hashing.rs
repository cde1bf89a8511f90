//! Photo hashing throughput (issue 4): `cargo bench --bench photo_hashing`.
//! One photo through what ingest does to it: size checks, decode under
//! limits, blank check, search hash, thumbnail, EXIF — for a typical phone
//! storefront reduced for upload (1280×960 JPEG) and a small one (640×480).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hub::config::Limits;
use hub::ingest::inspect_photo;

fn storefront(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let block = (x / 40 * 7 + y / 40 * 13) % 17;
        image::Rgb([
            (block * 15) as u8,
            ((x + y) % 256) as u8,
            (255 - block * 9) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(&image)
        .unwrap();
    bytes
}

fn hashing(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("inspect a photo");
    for (width, height) in [(1280, 960), (640, 480)] {
        let bytes = storefront(width, height);
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("{width}x{height} JPEG"), |b| {
            b.iter(|| inspect_photo(&bytes, &limits, "photos[0].file").unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, hashing);
criterion_main!(benches);
