//! Procedurally drawn merchant photos.
//!
//! A photo is a [`PhotoRecipe`]: a base seed that fixes the drawing, an
//! optional chain-brand seed that fixes the sign, facade colours and layout
//! shared by a brand's outlets, and a [`Variant`] (re-encoded, resized,
//! cropped, brightened) used to plant near-duplicates. Different base seeds
//! give layouts different enough for a perceptual hash; the same base seed
//! with another variant gives a near-duplicate. Nothing is cached: a photo is
//! drawn, encoded and written, then dropped.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};

use crate::error::Error;
use crate::exif;
use crate::merchant::PhotoExif;
use crate::rng::{self, Rng, purpose};

/// What the picture shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scene {
    /// A shop front; `chain` seeds the parts a brand's outlets share.
    Storefront { chain: Option<u64> },
    /// Shelves and a counter.
    Interior,
}

/// How a near-duplicate differs from its original.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Variant {
    Original,
    /// Saved again at another JPEG quality.
    Reencoded,
    /// Scaled down to this fraction of the original size.
    Resized(f32),
    /// This fraction cut from every edge.
    Cropped(f32),
    /// Brightness raised by this amount (0–255 scale).
    Brightened(i32),
    /// Cropped, then brightened.
    CroppedBrightened(f32, i32),
}

/// Everything needed to draw one photo again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhotoRecipe {
    pub(crate) seed: u64,
    pub(crate) scene: Scene,
    pub(crate) variant: Variant,
}

impl PhotoRecipe {
    /// A near-duplicate of this photo with a random edit.
    pub(crate) fn near_duplicate(&self, rng: &mut Rng) -> PhotoRecipe {
        let variant = match rng::between(rng, 0, 4) {
            0 => Variant::Reencoded,
            1 => Variant::Resized(rng::uniform(rng, 0.7, 0.9) as f32),
            2 => Variant::Cropped(rng::uniform(rng, 0.02, 0.05) as f32),
            3 => Variant::Brightened(rng::between(rng, 12, 28) as i32),
            _ => Variant::CroppedBrightened(
                rng::uniform(rng, 0.02, 0.04) as f32,
                rng::between(rng, 10, 20) as i32,
            ),
        };
        PhotoRecipe { variant, ..*self }
    }

    /// The JPEG bytes, with an EXIF GPS block when `exif` is given.
    pub(crate) fn encode(&self, exif: Option<&PhotoExif>) -> Result<Vec<u8>, Error> {
        let mut draw = rng::stream(self.seed, purpose::PHOTO, 0);
        let base = match self.scene {
            Scene::Storefront { chain } => storefront(&mut draw, chain),
            Scene::Interior => interior(&mut draw),
        };
        let quality = rng::between(&mut draw, 62, 74) as u8;
        let (image, quality) = match self.variant {
            Variant::Original => (base, quality),
            Variant::Reencoded => (base, quality - 20),
            Variant::Resized(f) => {
                let (w, h) = scaled(&base, f);
                (imageops::resize(&base, w, h, FilterType::Triangle), quality)
            }
            Variant::Cropped(f) => (crop(&base, f), quality),
            Variant::Brightened(v) => (imageops::colorops::brighten(&base, v), quality),
            Variant::CroppedBrightened(f, v) => {
                (imageops::colorops::brighten(&crop(&base, f), v), quality)
            }
        };
        let mut bytes = Vec::with_capacity(24 * 1024);
        JpegEncoder::new_with_quality(&mut bytes, quality).encode_image(&image)?;
        Ok(match exif {
            Some(e) => exif::insert_app1(&bytes, &exif::gps_app1(e.point, e.taken)),
            None => bytes,
        })
    }
}

/// `image`'s size scaled by `f`, but never below the hub's smallest
/// accepted side (200 px): a re-used photo is shrunk, not made unusable.
fn scaled(image: &RgbImage, f: f32) -> (u32, u32) {
    let shortest = image.width().min(image.height()) as f32;
    let f = f.max(MIN_SIDE as f32 / shortest);
    let s = |v: u32| ((v as f32 * f).round() as u32).max(MIN_SIDE);
    (s(image.width()), s(image.height()))
}

/// The smallest side the hub accepts.
const MIN_SIDE: u32 = 200;

fn crop(image: &RgbImage, f: f32) -> RgbImage {
    let (w, h) = image.dimensions();
    let dx = (w as f32 * f) as u32;
    let dy = (h as f32 * f) as u32;
    imageops::crop_imm(image, dx, dy, w - 2 * dx, h - 2 * dy).to_image()
}

type Colour = [u8; 3];

fn colour(rng: &mut Rng, lo: u8, hi: u8) -> Colour {
    let c = |rng: &mut Rng| rng::between(rng, u32::from(lo), u32::from(hi)) as u8;
    [c(rng), c(rng), c(rng)]
}

/// A strong sign colour: one channel high, one low.
fn saturated(rng: &mut Rng) -> Colour {
    let mut c = [
        rng::between(rng, 170, 250) as u8,
        rng::between(rng, 0, 80) as u8,
        rng::between(rng, 0, 255) as u8,
    ];
    let order = rng::between(rng, 0, 5) as usize;
    c.rotate_left(order % 3);
    if order >= 3 {
        c.swap(0, 1);
    }
    c
}

fn lerp(a: Colour, b: Colour, t: f32) -> Colour {
    let l = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    [l(a[0], b[0]), l(a[1], b[1]), l(a[2], b[2])]
}

/// Fills a rectangle (clipped to the image) with a vertical gradient.
fn fill(image: &mut RgbImage, x: i64, y: i64, w: i64, h: i64, top: Colour, bottom: Colour) {
    let (iw, ih) = (i64::from(image.width()), i64::from(image.height()));
    let (x0, y0) = (x.clamp(0, iw), y.clamp(0, ih));
    let (x1, y1) = ((x + w).clamp(0, iw), (y + h).clamp(0, ih));
    for py in y0..y1 {
        let t = if h > 1 {
            (py - y) as f32 / (h - 1) as f32
        } else {
            0.0
        };
        let c = Rgb(lerp(top, bottom, t));
        for px in x0..x1 {
            image.put_pixel(px as u32, py as u32, c);
        }
    }
}

/// Fills a circle (clipped).
fn disc(image: &mut RgbImage, cx: i64, cy: i64, r: i64, c: Colour) {
    for py in (cy - r).max(0)..(cy + r).min(i64::from(image.height())) {
        for px in (cx - r).max(0)..(cx + r).min(i64::from(image.width())) {
            if (px - cx).pow(2) + (py - cy).pow(2) <= r * r {
                image.put_pixel(px as u32, py as u32, Rgb(c));
            }
        }
    }
}

/// Uneven light across the scene: a brightness ramp in a random direction
/// and a shadow over a random block (a neighbouring building, an awning).
/// This changes the picture's large-scale luminance layout, which is what a
/// perceptual hash sees, so unrelated photos of one template stay far apart.
fn lighting(image: &mut RgbImage, rng: &mut Rng) {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let angle = rng::uniform(rng, 0.0, std::f64::consts::TAU);
    let (dx, dy) = (angle.cos(), angle.sin());
    let strength = rng::uniform(rng, 0.3, 0.6);
    let shadow = (
        rng::uniform(rng, -0.3, 0.8) * w,
        rng::uniform(rng, -0.3, 0.8) * h,
        rng::uniform(rng, 0.3, 0.7) * w,
        rng::uniform(rng, 0.3, 0.8) * h,
    );
    let shade = rng::uniform(rng, 0.45, 0.7);
    for (x, y, p) in image.enumerate_pixels_mut() {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let t = ((fx / w - 0.5) * dx + (fy / h - 0.5) * dy) * strength;
        let mut k = 1.0 + t;
        if fx >= shadow.0 && fx < shadow.0 + shadow.2 && fy >= shadow.1 && fy < shadow.1 + shadow.3
        {
            k *= shade;
        }
        for ch in p.0.iter_mut() {
            *ch = (f64::from(*ch) * k).clamp(0.0, 255.0) as u8;
        }
    }
}

/// Light sensor noise so the picture is not flat (and JPEG has texture).
fn grain(image: &mut RgbImage, rng: &mut Rng) {
    let salt = rand::RngExt::random::<u64>(rng);
    for (x, y, p) in image.enumerate_pixels_mut() {
        let n = rng::mix(salt ^ (u64::from(y) << 32 | u64::from(x)));
        for (i, ch) in p.0.iter_mut().enumerate() {
            let d = ((n >> (i * 8)) & 3) as i16 - 1;
            *ch = (i16::from(*ch) + d).clamp(0, 255) as u8;
        }
    }
}

fn canvas(rng: &mut Rng) -> RgbImage {
    let (w, h) = *rng::pick(rng, &[(320, 240), (400, 300), (480, 360), (360, 270)]);
    RgbImage::new(w, h)
}

/// Sign characters: light blocks of strokes on the band.
fn glyphs(image: &mut RgbImage, rng: &mut Rng, x: i64, y: i64, w: i64, h: i64, ink: Colour) {
    let count = i64::from(rng::between(rng, 2, 6));
    let cell = (w / (count + 1)).max(6);
    let start = x + (w - cell * count) / 2;
    for i in 0..count {
        let gx = start + i * cell + cell / 8;
        let gw = cell * 3 / 4;
        for _ in 0..rng::between(rng, 3, 5) {
            if rng::chance(rng, 0.5) {
                let sy = y + h / 6 + i64::from(rng::between(rng, 0, (h * 2 / 3).max(1) as u32));
                fill(image, gx, sy, gw, (h / 10).max(2), ink, ink);
            } else {
                let sx = gx + i64::from(rng::between(rng, 0, gw.max(1) as u32));
                fill(image, sx, y + h / 6, (gw / 8).max(2), h * 2 / 3, ink, ink);
            }
        }
    }
}

fn storefront(rng: &mut Rng, chain: Option<u64>) -> RgbImage {
    let mut image = canvas(rng);
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    // The brand fixes sign and facade; an independent shop draws its own.
    let mut brand = match chain {
        Some(c) => rng::stream(c, purpose::PHOTO, 1),
        None => rng::stream(rand::RngExt::random(rng), purpose::PHOTO, 1),
    };
    let sky_top = colour(rng, 120, 220);
    let sky_bottom = colour(rng, 160, 240);
    fill(&mut image, 0, 0, w, h, sky_top, sky_bottom);

    // Neighbouring buildings at the edges.
    let left = i64::from(rng::between(rng, 0, (w / 4) as u32));
    let right = i64::from(rng::between(rng, 0, (w / 4) as u32));
    fill(
        &mut image,
        0,
        0,
        left,
        h,
        colour(rng, 60, 200),
        colour(rng, 40, 160),
    );
    fill(
        &mut image,
        w - right,
        0,
        right,
        h,
        colour(rng, 60, 200),
        colour(rng, 40, 160),
    );

    let facade = colour(&mut brand, 90, 230);
    let top = i64::from(rng::between(rng, 0, (h / 8) as u32));
    fill(
        &mut image,
        left,
        top,
        w - left - right,
        h - top,
        facade,
        lerp(facade, [40, 40, 40], 0.4),
    );

    // Sign band with characters.
    let sign_y = top + h / 20 + i64::from(rng::between(rng, 0, (h / 12) as u32));
    let sign_h = h * i64::from(rng::between(&mut brand, 14, 22)) / 100;
    let sign = saturated(&mut brand);
    let ink = if rng::chance(&mut brand, 0.7) {
        [250, 245, 230]
    } else {
        [250, 215, 40]
    };
    fill(
        &mut image,
        left,
        sign_y,
        w - left - right,
        sign_h,
        sign,
        lerp(sign, [0, 0, 0], 0.2),
    );
    glyphs(
        &mut image,
        &mut brand,
        left,
        sign_y,
        w - left - right,
        sign_h,
        ink,
    );

    // Awning stripes on some shops.
    let below_sign = sign_y + sign_h;
    if rng::chance(rng, 0.4) {
        let stripe = i64::from(rng::between(rng, 8, 20));
        let (a, b) = (colour(rng, 150, 255), colour(rng, 20, 120));
        let mut x = left;
        let mut odd = false;
        while x < w - right {
            let c = if odd { a } else { b };
            fill(&mut image, x, below_sign, stripe, h / 16, c, c);
            x += stripe;
            odd = !odd;
        }
    }

    // Shop windows with goods, and a door.
    let ground = h - h * i64::from(rng::between(rng, 8, 16)) / 100;
    let opening_top = below_sign + h / 12;
    let panes = rng::between(rng, 1, 3);
    let span = w - left - right;
    let door_w = span / i64::from(rng::between(rng, 4, 7));
    let door_x = left + i64::from(rng::between(rng, 0, (span - door_w).max(1) as u32));
    for i in 0..i64::from(panes) {
        let pw = span / i64::from(panes);
        let px = left + i * pw + pw / 12;
        let glass = colour(rng, 20, 110);
        fill(
            &mut image,
            px,
            opening_top,
            pw * 5 / 6,
            ground - opening_top,
            glass,
            lerp(glass, [200, 200, 210], 0.3),
        );
        // Goods on shelves.
        let shelves = rng::between(rng, 2, 4);
        let shelf_h = (ground - opening_top) / i64::from(shelves + 1);
        for s in 1..=i64::from(shelves) {
            let sy = opening_top + s * shelf_h;
            fill(
                &mut image,
                px,
                sy,
                pw * 5 / 6,
                3,
                [90, 80, 70],
                [90, 80, 70],
            );
            let mut gx = px + 2;
            while gx < px + pw * 5 / 6 - 6 {
                let gw = i64::from(rng::between(rng, 4, 14));
                let gh = i64::from(rng::between(rng, 6, (shelf_h.max(8) - 2) as u32));
                fill(
                    &mut image,
                    gx,
                    sy - gh,
                    gw,
                    gh,
                    colour(rng, 30, 255),
                    colour(rng, 30, 220),
                );
                gx += gw + i64::from(rng::between(rng, 1, 5));
            }
        }
    }
    let door = colour(rng, 10, 90);
    fill(
        &mut image,
        door_x,
        opening_top,
        door_w,
        ground - opening_top,
        door,
        lerp(door, [0, 0, 0], 0.5),
    );

    // Pavement, and a few passers-by or trees.
    fill(
        &mut image,
        0,
        ground,
        w,
        h - ground,
        colour(rng, 110, 170),
        colour(rng, 60, 110),
    );
    for _ in 0..rng::between(rng, 0, 3) {
        let cx = i64::from(rng::between(rng, 0, w as u32));
        let r = i64::from(rng::between(rng, 6, (h / 8) as u32));
        disc(&mut image, cx, ground - r / 2, r, colour(rng, 10, 140));
    }
    if rng::chance(rng, 0.5) {
        // Photographed from the other side of the door.
        imageops::flip_horizontal_in_place(&mut image);
    }
    lighting(&mut image, rng);
    grain(&mut image, rng);
    image
}

fn interior(rng: &mut Rng) -> RgbImage {
    let mut image = canvas(rng);
    let (w, h) = (i64::from(image.width()), i64::from(image.height()));
    let wall = colour(rng, 150, 240);
    let floor_y = h * i64::from(rng::between(rng, 55, 75)) / 100;
    fill(
        &mut image,
        0,
        0,
        w,
        floor_y,
        wall,
        lerp(wall, [90, 90, 90], 0.3),
    );
    fill(
        &mut image,
        0,
        floor_y,
        w,
        h - floor_y,
        colour(rng, 80, 180),
        colour(rng, 30, 100),
    );
    // Shelving units along the wall.
    let units = rng::between(rng, 2, 5);
    let unit_w = w / i64::from(units);
    for u in 0..i64::from(units) {
        let x = u * unit_w + 4;
        let top = h / 10 + i64::from(rng::between(rng, 0, (h / 10) as u32));
        fill(
            &mut image,
            x,
            top,
            unit_w - 8,
            floor_y - top,
            [120, 100, 80],
            [90, 70, 60],
        );
        let rows = rng::between(rng, 3, 6);
        let row_h = (floor_y - top) / i64::from(rows);
        for r in 0..i64::from(rows) {
            let y = top + r * row_h;
            let mut gx = x + 3;
            while gx < x + unit_w - 12 {
                let gw = i64::from(rng::between(rng, 4, 12));
                fill(
                    &mut image,
                    gx,
                    y + 3,
                    gw,
                    row_h - 6,
                    colour(rng, 30, 255),
                    colour(rng, 20, 200),
                );
                gx += gw + 2;
            }
        }
    }
    // The counter.
    let cw = w * i64::from(rng::between(rng, 25, 45)) / 100;
    let cx = i64::from(rng::between(rng, 0, (w - cw) as u32));
    fill(
        &mut image,
        cx,
        floor_y - h / 8,
        cw,
        h / 4,
        colour(rng, 100, 220),
        colour(rng, 40, 120),
    );
    lighting(&mut image, rng);
    grain(&mut image, rng);
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipe(seed: u64) -> PhotoRecipe {
        PhotoRecipe {
            seed,
            scene: Scene::Storefront { chain: None },
            variant: Variant::Original,
        }
    }

    #[test]
    fn a_photo_decodes_to_its_canvas_size_and_is_not_blank() {
        let bytes = recipe(1).encode(None).unwrap();
        let image = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert!([320, 360, 400, 480].contains(&image.width()));
        let first = image.get_pixel(0, 0);
        assert!(
            image
                .pixels()
                .any(|p| (i16::from(p[0]) - i16::from(first[0])).abs() > 40)
        );
    }

    #[test]
    fn drawing_is_deterministic() {
        assert_eq!(
            recipe(3).encode(None).unwrap(),
            recipe(3).encode(None).unwrap()
        );
        assert_ne!(
            recipe(3).encode(None).unwrap(),
            recipe(4).encode(None).unwrap()
        );
    }
}
