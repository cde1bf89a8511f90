//! Places merchants can be in, and the geometry around them.
//!
//! Places are the county-level divisions of matcher's embedded gazetteer (plus
//! the four prefecture cities without a county level). Their points are
//! GCJ-02; generated GPS must be WGS-84 (SPEC §3), so each point is shifted
//! back with matcher's inverse of the public GCJ-02 formula.

use std::f64::consts::PI;

use matcher::{Division, DivisionLevel, Gazetteer};

use crate::rng::{self, Rng};

/// A WGS-84 position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub(crate) lat: f64,
    pub(crate) lng: f64,
}

const EARTH_RADIUS_M: f64 = 6_371_000.0;

impl Point {
    /// The point `east_m` metres east and `north_m` metres north of this one.
    pub(crate) fn offset(self, east_m: f64, north_m: f64) -> Point {
        let dlat = north_m / EARTH_RADIUS_M * 180.0 / PI;
        let dlng = east_m / (EARTH_RADIUS_M * (self.lat * PI / 180.0).cos()) * 180.0 / PI;
        Point {
            lat: self.lat + dlat,
            lng: self.lng + dlng,
        }
    }

    /// A point at a uniformly random position within `radius_m` of this one.
    pub(crate) fn jitter(self, rng: &mut Rng, radius_m: f64) -> Point {
        let r = radius_m * rng::uniform(rng, 0.0, 1.0).sqrt();
        let angle = rng::uniform(rng, 0.0, 2.0 * PI);
        self.offset(r * angle.cos(), r * angle.sin())
    }

    /// Great-circle distance in metres.
    pub(crate) fn distance_m(self, other: Point) -> f64 {
        let (la1, la2) = (self.lat.to_radians(), other.lat.to_radians());
        let dla = la2 - la1;
        let dlo = (other.lng - self.lng).to_radians();
        let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().asin()
    }

    /// Rounded to 6 decimals (about 0.1 m), as acquirers' systems store GPS.
    pub(crate) fn rounded(self) -> Point {
        let r = |x: f64| (x * 1e6).round() / 1e6;
        Point {
            lat: r(self.lat),
            lng: r(self.lng),
        }
    }
}

/// One place a merchant can be registered in.
#[derive(Debug)]
pub(crate) struct Place {
    /// The gazetteer division (a district, county or county-less city).
    pub(crate) division: &'static Division,
    /// The division's point, converted to WGS-84.
    pub(crate) point: Point,
    /// How far from the point premises may plausibly lie.
    pub(crate) radius_m: f64,
    /// The code may be the region part of a resident ID (not an NBS-only code).
    pub(crate) id_region: bool,
}

impl Place {
    pub(crate) fn code(&self) -> &'static str {
        &self.division.code
    }

    pub(crate) fn province(&self) -> &'static str {
        &self.division.province
    }

    /// The prefecture's name, `None` for directly administered counties.
    pub(crate) fn city(&self) -> Option<&'static str> {
        self.division.city.as_deref()
    }

    /// The county-level name (the city's own name for county-less cities).
    pub(crate) fn district(&self) -> &'static str {
        self.division.name()
    }

    /// The city's short name for shop and company prefixes (深圳, not 深圳市);
    /// the county's for directly administered counties.
    pub(crate) fn city_short(&self) -> &'static str {
        let name = self.city().unwrap_or_else(|| self.district());
        name.strip_suffix('市').unwrap_or(name)
    }

    /// Key identifying the prefecture-level city: the first four digits.
    pub(crate) fn city_key(&self) -> &'static str {
        &self.code()[..4]
    }
}

/// Codes that the NBS uses in addresses but that never appear in identity
/// numbers (data README).
const NOT_ID_REGIONS: &[&str] = &[
    "133100", "232761", "232762", "232763", "232764", "320576", "500157", "632857",
];

/// Cities that get more merchants (provincial capitals and large commercial
/// cities), by the first four digits of their code.
const BUSY_CITIES: &[&str] = &[
    "1101", "1201", "3101", "5001", "4401", "4403", "3201", "3205", "3301", "3302", "4201", "5101",
    "6101", "3702", "3502", "2102", "3202", "3303", "3505", "4406", "4419", "4301", "4101", "3401",
    "3601", "2101", "2201", "2301", "1301", "1401", "3701", "4501", "5301", "5201", "6201", "6501",
    "1501", "4601",
];

/// The places, built once per process from matcher's embedded gazetteer.
pub(crate) fn places() -> &'static Places {
    static PLACES: std::sync::LazyLock<Places> = std::sync::LazyLock::new(Places::load);
    &PLACES
}

/// All places with their selection weights.
pub(crate) struct Places {
    places: Vec<Place>,
    /// Cumulative weights, for binary-search sampling.
    cumulative: Vec<u64>,
    /// Indices of places usable as an ID region.
    id_regions: Vec<usize>,
}

impl Places {
    pub(crate) fn load() -> Places {
        let gazetteer = Gazetteer::get();
        let with_districts: std::collections::BTreeSet<&str> = gazetteer
            .iter()
            .filter(|d| d.level == DivisionLevel::District)
            .map(|d| &d.code[..4])
            .collect();
        let places: Vec<Place> = gazetteer
            .iter()
            .filter(|d| match d.level {
                DivisionLevel::District => true,
                // 东莞, 中山, 儋州, 嘉峪关 have no county level; 雄安新区 neither.
                DivisionLevel::City => !with_districts.contains(&d.code[..4]),
                DivisionLevel::Province => false,
            })
            .filter_map(|d| {
                let (lat, lng) = d.point?;
                let name = d.name();
                let radius_m = if name.ends_with('区') {
                    3_000.0
                } else {
                    6_000.0
                };
                Some(Place {
                    division: d,
                    point: gcj02_to_wgs84(lat, lng),
                    radius_m,
                    id_region: !NOT_ID_REGIONS.contains(&d.code.as_str()),
                })
            })
            .collect();
        let mut total = 0;
        let cumulative = places
            .iter()
            .map(|p| {
                total += if BUSY_CITIES.contains(&p.city_key()) {
                    6
                } else {
                    1
                };
                total
            })
            .collect();
        let id_regions = (0..places.len()).filter(|&i| places[i].id_region).collect();
        Places {
            places,
            cumulative,
            id_regions,
        }
    }

    /// A place, busy cities weighted up.
    pub(crate) fn sample(&self, rng: &mut Rng) -> &Place {
        let total = *self.cumulative.last().expect("the gazetteer has places");
        let ticket = rand::RngExt::random_range(rng, 0..total);
        let i = self.cumulative.partition_point(|&c| c <= ticket);
        &self.places[i]
    }

    /// A place in the same prefecture city as `near` (possibly `near` itself).
    pub(crate) fn sample_same_city<'a>(&'a self, rng: &mut Rng, near: &'a Place) -> &'a Place {
        // Places are in code order, so a city's places are contiguous.
        let key = near.city_key();
        let start = self.places.partition_point(|p| p.city_key() < key);
        let end = self.places.partition_point(|p| p.city_key() <= key);
        if start >= end {
            return near;
        }
        &self.places[rand::RngExt::random_range(rng, start..end)]
    }

    /// A place at least `min_km` away from `from` (in another city).
    pub(crate) fn sample_far(&self, rng: &mut Rng, from: Point, min_km: f64) -> &Place {
        loop {
            let p = self.sample(rng);
            if p.point.distance_m(from) >= min_km * 1000.0 {
                return p;
            }
        }
    }

    /// A region for a resident ID: in the same province as `home` most of the
    /// time, anywhere otherwise (migrants run many small shops).
    pub(crate) fn sample_id_region<'a>(&'a self, rng: &mut Rng, home: &'a Place) -> &'a Place {
        if rng::chance(rng, 0.6) && home.id_region {
            let province = &home.code()[..2];
            for _ in 0..8 {
                let p = self.sample(rng);
                if p.id_region && p.code().starts_with(province) {
                    return p;
                }
            }
            return home;
        }
        &self.places[*rng::pick(rng, &self.id_regions)]
    }
}

/// GCJ-02 → WGS-84 with matcher's conversion, the one the hub measures with.
pub(crate) fn gcj02_to_wgs84(lat: f64, lng: f64) -> Point {
    let wgs = matcher::gcj02_to_wgs84(matcher::Coordinates { lat, lng });
    Point {
        lat: wgs.lat,
        lng: wgs.lng,
    }
}

/// A stable 64-bit hash of a string (FNV-1a), for deriving per-street geometry
/// that must be the same whichever merchant on the street is generated first.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcj02_conversion_moves_a_beijing_point_by_a_few_hundred_metres() {
        let gcj = Point {
            lat: 39.904211,
            lng: 116.407394,
        };
        let wgs = gcj02_to_wgs84(gcj.lat, gcj.lng);
        let d = wgs.distance_m(gcj);
        assert!((100.0..700.0).contains(&d), "{d}");
    }

    #[test]
    fn offsets_and_distances_agree() {
        let p = Point {
            lat: 30.0,
            lng: 120.0,
        };
        let q = p.offset(300.0, 400.0);
        assert!((p.distance_m(q) - 500.0).abs() < 1.0);
    }

    #[test]
    fn places_cover_the_county_level_and_city_sampling_stays_in_the_city() {
        let places = Places::load();
        assert!(places.places.len() > 2800);
        let mut rng = rng::stream(1, 1, 1);
        for _ in 0..200 {
            let p = places.sample(&mut rng);
            let q = places.sample_same_city(&mut rng, p);
            assert_eq!(p.city_key(), q.city_key());
        }
    }
}
