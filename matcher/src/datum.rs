//! WGS-84 and GCJ-02, and distances between points.
//!
//! GPS receivers, EXIF tags and most acquirers' apps report WGS-84. Maps of
//! mainland China are published in GCJ-02 ("Mars coordinates"), WGS-84 moved
//! by a few hundred metres by a public, deliberately obscure formula; the
//! gazetteer's representative points are GCJ-02 (they come from Amap). A
//! distance between a fix and a district point is only meaningful in one
//! datum, so every check converts the gazetteer's point to WGS-84 first.
//!
//! WGS → GCJ is the formula itself (Krasovsky ellipsoid, `a = 6378245`,
//! `e² = 0.00669342162296594323`). GCJ → WGS has no closed form: it is found
//! by fixed-point iteration on the forward formula, which converges to well
//! under a metre in a few steps. Outside mainland China the two datums agree
//! (the formula is not applied there), which is what the published maps do.
//!
//! Distances are great-circle distances on the mean Earth sphere
//! ([`geo::Haversine`]): at the scales checked here (150 m to hundreds of
//! km), its error against the ellipsoid (≤ 0.5 %) is far inside every
//! tolerance.

use std::f64::consts::PI;

use geo::{Distance, Haversine, Point};

use crate::record::Coordinates;

/// Semi-major axis of the Krasovsky ellipsoid used by the GCJ-02 formula.
const KRASOVSKY_A: f64 = 6_378_245.0;
/// Its first eccentricity squared.
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// The rough box the GCJ-02 formula is applied in (as published maps do).
fn in_mainland(c: Coordinates) -> bool {
    (72.004..=137.8347).contains(&c.lng) && (0.8293..=55.8271).contains(&c.lat)
}

/// The GCJ-02 position of a WGS-84 one.
pub fn wgs84_to_gcj02(c: Coordinates) -> Coordinates {
    if !in_mainland(c) {
        return c;
    }
    let (dlat, dlng) = offset(c.lat, c.lng);
    Coordinates {
        lat: c.lat + dlat,
        lng: c.lng + dlng,
    }
}

/// The WGS-84 position of a GCJ-02 one, by iteration (to about 1 cm).
pub fn gcj02_to_wgs84(c: Coordinates) -> Coordinates {
    if !in_mainland(c) {
        return c;
    }
    let mut wgs = c;
    for _ in 0..10 {
        let there = wgs84_to_gcj02(wgs);
        let (dlat, dlng) = (there.lat - c.lat, there.lng - c.lng);
        wgs = Coordinates {
            lat: wgs.lat - dlat,
            lng: wgs.lng - dlng,
        };
        if dlat.abs() < 1e-7 && dlng.abs() < 1e-7 {
            break;
        }
    }
    wgs
}

/// The GCJ-02 offset added to the WGS-84 position (`lat`, `lng`), degrees.
fn offset(lat: f64, lng: f64) -> (f64, f64) {
    let x = lng - 105.0;
    let y = lat - 35.0;
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlat += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    let mut dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlng += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    dlng += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    dlng += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    let rad = lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrt_magic * rad.cos() * PI);
    (dlat, dlng)
}

/// Great-circle distance in metres between two points of one datum.
pub fn distance_m(a: Coordinates, b: Coordinates) -> f64 {
    Haversine.distance(Point::new(a.lng, a.lat), Point::new(b.lng, b.lat))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TIANANMEN_GCJ: Coordinates = Coordinates {
        lat: 39.908_823,
        lng: 116.397_470,
    };

    #[test]
    fn a_beijing_point_moves_by_a_few_hundred_metres_between_datums() {
        let wgs = gcj02_to_wgs84(TIANANMEN_GCJ);
        let d = distance_m(wgs, TIANANMEN_GCJ);
        assert!((100.0..700.0).contains(&d), "{d}");
        // Published reference pair for Tiananmen (WGS-84 ≈ 39.90746, 116.39128).
        assert!((wgs.lat - 39.907_46).abs() < 2e-4, "{wgs:?}");
        assert!((wgs.lng - 116.391_28).abs() < 2e-4, "{wgs:?}");
    }

    #[test]
    fn points_outside_mainland_china_are_left_alone() {
        let london = Coordinates {
            lat: 51.5,
            lng: -0.12,
        };
        assert_eq!(wgs84_to_gcj02(london), london);
        assert_eq!(gcj02_to_wgs84(london), london);
    }

    #[test]
    fn distances_match_a_known_pair() {
        // Beijing to Shanghai city centres: about 1,067 km.
        let beijing = Coordinates {
            lat: 39.9042,
            lng: 116.4074,
        };
        let shanghai = Coordinates {
            lat: 31.2304,
            lng: 121.4737,
        };
        let d = distance_m(beijing, shanghai) / 1000.0;
        assert!((1_060.0..1_075.0).contains(&d), "{d}");
    }

    proptest! {
        #[test]
        fn converting_there_and_back_returns_within_a_centimetre(
            lat in 18.0..53.0f64,
            lng in 74.0..134.0f64,
        ) {
            let wgs = Coordinates { lat, lng };
            let back = gcj02_to_wgs84(wgs84_to_gcj02(wgs));
            prop_assert!(distance_m(wgs, back) < 0.01);
        }
    }
}
