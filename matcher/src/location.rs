//! Location checks (SPEC §6): is a merchant where it says it is?
//!
//! A merchant declares where it trades twice, as a `region_code` and as an
//! address, and may add a GPS fix of its premises, its terminals' positions
//! and photos with EXIF GPS. Each pair that should agree is checked:
//!
//! | check | compares | tolerance |
//! |---|---|---|
//! | `region_vs_address` | the declared `region_code` with the division parsed from the address | none: one must contain the other |
//! | `gps_vs_region` | the merchant's GPS with the declared division's point | [`LocationPolicy::region_tolerance_km`] |
//! | `photo_vs_gps` | a storefront or interior photo's EXIF GPS with the merchant's GPS | [`LocationPolicy::photo_km`] |
//! | `photo_vs_region` | the same, when the merchant has no GPS, with the division's point | the region tolerance |
//! | `terminal_vs_merchant` | a terminal's declared position with the merchant's GPS | [`LocationPolicy::terminal_km`] |
//!
//! **Datums.** GPS and EXIF are WGS-84; the gazetteer's points are GCJ-02.
//! Division points are converted to WGS-84 ([`crate::datum`]) before any
//! distance is taken.
//!
//! **Tolerance per level.** Without district outlines, a division is known
//! by one point, its seat of government, and a merchant anywhere inside the
//! division may be far from it. Districts range from a few km² (a city core)
//! to more than 100,000 km² (counties of Xinjiang and Tibet), so the
//! tolerance follows the level of the division and the province:
//!
//! - a county-level division: [`LocationPolicy::district_km`] (40 km: the
//!   radius of a large suburban district such as 怀柔区, about 2,100 km²);
//! - a prefecture-level division (only the city is known, or the district's
//!   point is the city's): [`LocationPolicy::city_km`] (100 km);
//! - a province: [`LocationPolicy::province_km`] (600 km);
//! - in the five provinces of very large counties (Inner Mongolia 15, Tibet
//!   54, Gansu 62, Qinghai 63, Xinjiang 65), times
//!   [`LocationPolicy::frontier_factor`] (3).
//!
//! A fix farther than that from the declared division's point is outside
//! the division by any reading of its extent. A shop on the edge of its
//! district, or a terminal moved a few km inside one city, is not a finding.
//!
//! Every function here is pure: the hub runs the checks at ingest and turns
//! findings into `location_mismatch` alerts.

use serde::{Deserialize, Serialize};

use crate::datum::{distance_m, gcj02_to_wgs84};
use crate::gazetteer::{Division, DivisionLevel, Gazetteer};
use crate::normalise::ParsedAddress;
use crate::record::{Coordinates, MerchantRecord, PhotoKind};

/// Provinces whose counties are very large (see the module documentation).
const FRONTIER_PROVINCES: [&str; 5] = ["15", "54", "62", "63", "65"];

/// Distances (km) beyond which a location check reports a finding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocationPolicy {
    /// Fix to a county-level division's point.
    pub district_km: f64,
    /// Fix to a prefecture-level division's point.
    pub city_km: f64,
    /// Fix to a province's point.
    pub province_km: f64,
    /// Factor on the three above in the provinces of very large counties.
    pub frontier_factor: f64,
    /// A storefront or interior photo's EXIF GPS to the merchant's GPS.
    pub photo_km: f64,
    /// A terminal's declared position to the merchant's GPS.
    pub terminal_km: f64,
    /// A terminal's reported position to its merchant's verified location
    /// (移机, `terminal_relocated`).
    pub relocation_km: f64,
}

impl Default for LocationPolicy {
    fn default() -> Self {
        LocationPolicy {
            district_km: 40.0,
            city_km: 100.0,
            province_km: 600.0,
            frontier_factor: 3.0,
            photo_km: 5.0,
            terminal_km: 30.0,
            relocation_km: 30.0,
        }
    }
}

impl LocationPolicy {
    /// How far from `division`'s point a fix may be and still be inside it.
    pub fn region_tolerance_km(&self, division: &Division) -> f64 {
        let level = if division.point_from_parent {
            // The point is the city's: the district's own is unknown.
            DivisionLevel::City
        } else {
            division.level
        };
        let base = match level {
            DivisionLevel::District => self.district_km,
            DivisionLevel::City => self.city_km,
            DivisionLevel::Province => self.province_km,
        };
        if FRONTIER_PROVINCES.contains(&&division.code[..2]) {
            base * self.frontier_factor
        } else {
            base
        }
    }

    /// Checks that the policy's distances are positive and finite.
    pub fn validate(&self) -> Result<(), String> {
        let all = [
            ("district_km", self.district_km),
            ("city_km", self.city_km),
            ("province_km", self.province_km),
            ("frontier_factor", self.frontier_factor),
            ("photo_km", self.photo_km),
            ("terminal_km", self.terminal_km),
            ("relocation_km", self.relocation_km),
        ];
        for (name, value) in all {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!(
                    "location.{name} must be a positive number, not {value}"
                ));
            }
        }
        Ok(())
    }
}

/// Which pair of locations disagrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationCheck {
    /// Declared region code against the address.
    RegionVsAddress,
    /// Merchant GPS against the declared division.
    GpsVsRegion,
    /// Photo EXIF GPS against the merchant GPS.
    PhotoVsGps,
    /// Photo EXIF GPS against the declared division (no merchant GPS).
    PhotoVsRegion,
    /// A terminal's declared position against the merchant GPS.
    TerminalVsMerchant,
}

impl LocationCheck {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            LocationCheck::RegionVsAddress => "region_vs_address",
            LocationCheck::GpsVsRegion => "gps_vs_region",
            LocationCheck::PhotoVsGps => "photo_vs_gps",
            LocationCheck::PhotoVsRegion => "photo_vs_region",
            LocationCheck::TerminalVsMerchant => "terminal_vs_merchant",
        }
    }
}

/// One disagreement, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationFinding {
    /// The check that failed.
    pub check: LocationCheck,
    /// What was checked: `merchant GPS`, `photo <sha256 prefix>`, `terminal <id>`.
    pub subject: String,
    /// The reference: a division (`440304 深圳市福田区`) or `merchant GPS`.
    pub reference: String,
    /// Distance between them, km (`None` for `region_vs_address`).
    pub distance_km: Option<f64>,
    /// The tolerance that was exceeded, km.
    pub tolerance_km: Option<f64>,
    /// A sentence for people.
    pub detail: String,
}

/// The division a merchant declares: its `region_code`, else the finest
/// division named in its address.
pub fn declared_division(record: &MerchantRecord) -> Option<&'static Division> {
    declared(record, || ParsedAddress::parse(&record.address))
}

/// [`declared_division`], parsing the address only when it is needed.
fn declared(
    record: &MerchantRecord,
    parsed: impl FnOnce() -> ParsedAddress,
) -> Option<&'static Division> {
    match record.region_code.as_deref() {
        Some(code) => Gazetteer::get().division(code),
        None => parsed().region_code().map(|code| code.division()),
    }
}

/// A division's representative point in WGS-84.
pub fn division_point(division: &Division) -> Option<Coordinates> {
    division
        .point
        .map(|(lat, lng)| gcj02_to_wgs84(Coordinates { lat, lng }))
}

/// Where a merchant is, as far as the hub can verify: its GPS, else its
/// declared division's point (with the tolerance that point allows).
pub fn verified_location(record: &MerchantRecord) -> Option<(Coordinates, &'static str)> {
    if let Some(gps) = record.location {
        return Some((gps, "merchant GPS"));
    }
    let division = declared_division(record)?;
    division_point(division).map(|p| (p, "declared division's point"))
}

fn label(division: &Division) -> String {
    let mut name = division.province.clone();
    if let Some(city) = &division.city
        && city != &division.province
    {
        name.push_str(city);
    }
    if let Some(district) = &division.district {
        name.push_str(district);
    }
    format!("{} {name}", division.code)
}

/// Whether one division code contains the other (or they are equal).
fn nested(a: &str, b: &str) -> bool {
    let prefix = |code: &str| -> String {
        code.trim_end_matches("00")
            .trim_end_matches("00")
            .to_owned()
    };
    let (pa, pb) = (prefix(a), prefix(b));
    pa.starts_with(&pb) || pb.starts_with(&pa)
}

/// Every location finding about `record` (none when everything agrees or
/// there is nothing to compare).
pub fn check_location(record: &MerchantRecord, policy: &LocationPolicy) -> Vec<LocationFinding> {
    let mut findings = Vec::new();
    // Parsed once: it is the costly part of the checks.
    let address = ParsedAddress::parse(&record.address);
    let parsed = address.region_code();
    if let (Some(declared), Some(parsed)) = (record.region_code.as_deref(), parsed)
        && !nested(declared, parsed.as_str())
    {
        let gazetteer = Gazetteer::get();
        let name = |code: &str| gazetteer.division(code).map_or(code.to_owned(), label);
        findings.push(LocationFinding {
            check: LocationCheck::RegionVsAddress,
            subject: "region_code".to_owned(),
            reference: "address".to_owned(),
            distance_km: None,
            tolerance_km: None,
            detail: format!(
                "region_code {} but the address is in {}",
                name(declared),
                name(parsed.as_str())
            ),
        });
    }

    let region = declared(record, || address).and_then(|d| Some((d, division_point(d)?)));
    let km = |a: Coordinates, b: Coordinates| distance_m(a, b) / 1000.0;
    let against_region = |check, subject: String, at: Coordinates| {
        let (division, point) = region?;
        let tolerance = policy.region_tolerance_km(division);
        let d = km(at, point);
        (d > tolerance).then(|| LocationFinding {
            check,
            subject: subject.clone(),
            reference: label(division),
            distance_km: Some(round_km(d)),
            tolerance_km: Some(tolerance),
            detail: format!(
                "{subject} is {d:.0} km from the point of {} (tolerance {tolerance:.0} km)",
                label(division)
            ),
        })
    };
    if let Some(gps) = record.location {
        findings.extend(against_region(
            LocationCheck::GpsVsRegion,
            "merchant GPS".to_owned(),
            gps,
        ));
    }
    for photo in &record.photos {
        let Some(exif) = photo.gps else { continue };
        // Only pictures of the premises are taken there; a licence or an
        // ID card is photographed wherever the paperwork is.
        if !matches!(photo.kind, PhotoKind::Storefront | PhotoKind::Interior) {
            continue;
        }
        let subject = format!(
            "{} photo {}",
            photo.kind.as_str(),
            &photo.sha256[..12.min(photo.sha256.len())]
        );
        let Some(gps) = record.location else {
            findings.extend(against_region(LocationCheck::PhotoVsRegion, subject, exif));
            continue;
        };
        let d = km(exif, gps);
        if d > policy.photo_km {
            findings.push(LocationFinding {
                check: LocationCheck::PhotoVsGps,
                subject: subject.clone(),
                reference: "merchant GPS".to_owned(),
                distance_km: Some(round_km(d)),
                tolerance_km: Some(policy.photo_km),
                detail: format!(
                    "{subject} was taken {d:.1} km from the merchant's GPS (tolerance {:.0} km)",
                    policy.photo_km
                ),
            });
        }
    }
    if let Some(gps) = record.location {
        for terminal in &record.terminals {
            let Some(at) = terminal.location else {
                continue;
            };
            let d = km(at, gps);
            if d > policy.terminal_km {
                let subject = format!("terminal {}", terminal.terminal_id);
                findings.push(LocationFinding {
                    check: LocationCheck::TerminalVsMerchant,
                    subject: subject.clone(),
                    reference: "merchant GPS".to_owned(),
                    distance_km: Some(round_km(d)),
                    tolerance_km: Some(policy.terminal_km),
                    detail: format!(
                        "{subject} is declared {d:.1} km from the merchant's GPS (tolerance {:.0} km)",
                        policy.terminal_km
                    ),
                });
            }
        }
    }
    findings
}

/// Distances are reported to 0.1 km: finer would only make two readings of
/// one finding differ.
fn round_km(km: f64) -> f64 {
    (km * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{PhotoRef, Terminal};
    use crate::test_support::merchant;

    const FUTIAN: &str = "广东省深圳市福田区华强北路18号";

    fn at(lat: f64, lng: f64) -> Option<Coordinates> {
        Some(Coordinates { lat, lng })
    }

    fn checks(record: &MerchantRecord) -> Vec<LocationCheck> {
        check_location(record, &LocationPolicy::default())
            .iter()
            .map(|f| f.check)
            .collect()
    }

    #[test]
    fn a_shop_at_its_address_or_in_the_suburbs_of_its_district_is_no_finding() {
        let mut shop = merchant("M1", "老王烟酒店", FUTIAN, "王大富");
        shop.location = at(22.5405, 114.0850);
        assert!(checks(&shop).is_empty());
        // 20 km from the district's seat, still within its tolerance.
        shop.location = at(22.70, 114.12);
        assert!(checks(&shop).is_empty());
    }

    #[test]
    fn gps_in_another_city_is_reported_with_the_distance_and_tolerance() {
        let mut shop = merchant("M1", "老王烟酒店", FUTIAN, "王大富");
        shop.location = at(23.1291, 113.2644); // 广州
        let findings = check_location(&shop, &LocationPolicy::default());
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.check, LocationCheck::GpsVsRegion);
        assert!((95.0..115.0).contains(&f.distance_km.unwrap()), "{f:?}");
        assert_eq!(f.tolerance_km, Some(40.0));
        assert!(f.reference.starts_with("440304 "), "{f:?}");
    }

    #[test]
    fn the_tolerance_follows_the_level_and_the_very_large_counties() {
        let policy = LocationPolicy::default();
        let g = Gazetteer::get();
        assert_eq!(
            policy.region_tolerance_km(g.division("440304").unwrap()),
            40.0
        );
        assert_eq!(
            policy.region_tolerance_km(g.division("440300").unwrap()),
            100.0
        );
        assert_eq!(
            policy.region_tolerance_km(g.division("440000").unwrap()),
            600.0
        );
        // 若羌县, Xinjiang: a county larger than many provinces.
        assert_eq!(
            policy.region_tolerance_km(g.division("652824").unwrap()),
            120.0
        );
    }

    #[test]
    fn a_region_code_the_address_contradicts_is_reported_but_a_coarser_one_is_not() {
        let mut shop = merchant("M1", "老王烟酒店", FUTIAN, "王大富");
        shop.region_code = Some("440300".into()); // 深圳市: contains 福田区
        assert!(checks(&shop).is_empty());
        shop.region_code = Some("110105".into()); // 北京市朝阳区
        let findings = check_location(&shop, &LocationPolicy::default());
        assert_eq!(findings[0].check, LocationCheck::RegionVsAddress);
        assert!(findings[0].detail.contains("朝阳区"), "{findings:?}");
    }

    #[test]
    fn photos_are_checked_against_the_gps_or_else_the_district_and_licences_are_not_checked() {
        let photo = |kind, lat, lng| PhotoRef {
            kind,
            sha256: "ab".repeat(32),
            gps: at(lat, lng),
            taken_at: None,
        };
        let mut shop = merchant("M1", "老王烟酒店", FUTIAN, "王大富");
        shop.location = at(22.5405, 114.0850);
        shop.photos = vec![
            photo(PhotoKind::Storefront, 22.5410, 114.0855),
            photo(PhotoKind::License, 39.9, 116.4),
        ];
        assert!(checks(&shop).is_empty());
        shop.photos.push(photo(PhotoKind::Interior, 22.60, 114.20));
        assert_eq!(checks(&shop), [LocationCheck::PhotoVsGps]);
        shop.location = None;
        shop.photos = vec![photo(PhotoKind::Storefront, 39.9, 116.4)];
        assert_eq!(checks(&shop), [LocationCheck::PhotoVsRegion]);
    }

    #[test]
    fn a_terminal_declared_far_from_its_merchant_is_reported_and_one_nearby_is_not() {
        let terminal = |id: &str, lat, lng| Terminal {
            terminal_id: id.into(),
            sn: None,
            vendor: None,
            model: None,
            location: at(lat, lng),
        };
        let mut shop = merchant("M1", "老王烟酒店", FUTIAN, "王大富");
        shop.location = at(22.5405, 114.0850);
        shop.terminals = vec![terminal("T1", 22.56, 114.10), terminal("T2", 23.13, 113.26)];
        let findings = check_location(&shop, &LocationPolicy::default());
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].check, LocationCheck::TerminalVsMerchant);
        assert_eq!(findings[0].subject, "terminal T2");
    }

    #[test]
    fn a_policy_with_a_non_positive_distance_is_refused() {
        let policy = LocationPolicy {
            terminal_km: 0.0,
            ..LocationPolicy::default()
        };
        assert!(policy.validate().unwrap_err().contains("terminal_km"));
        assert!(LocationPolicy::default().validate().is_ok());
    }
}
