//! The administrative-division gazetteer (GB/T 2260 codes, `admin_divisions.csv`).
//!
//! Embedded and parsed once: 3,224 rows, a few hundred kilobytes, looked up
//! on every record. Address parsing against it comes later; for now it
//! answers "does this code exist, what is it called, and where is it".

use std::sync::LazyLock;

use crate::csv;

/// The level of an administrative division, read from its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DivisionLevel {
    /// `PP0000`: province, autonomous region, municipality, SAR.
    Province,
    /// `PPCC00`: prefecture-level city or equivalent.
    City,
    /// Anything else: district, county, county-level city, banner.
    District,
}

/// One administrative division.
#[derive(Debug, Clone, PartialEq)]
pub struct Division {
    /// 6-digit GB/T 2260 code.
    pub code: String,
    /// Level, from the code's shape.
    pub level: DivisionLevel,
    /// Province-level name (`北京市`, `广西壮族自治区`).
    pub province: String,
    /// Prefecture name; `None` on province rows and for county-level units a
    /// province administers directly (`PP90xx`, e.g. 济源市).
    pub city: Option<String>,
    /// County-level name; `None` on province and city rows.
    pub district: Option<String>,
    /// Representative point `(lat, lng)` in **GCJ-02**, not WGS-84: Amap's
    /// district "center", in practice the seat of government. Convert before
    /// comparing with GPS fixes (100–700 m apart in mainland China).
    pub point: Option<(f64, f64)>,
    /// The source row had no point and `point` is the parent city's (or the
    /// province's when there is no city row): a coarser location, so location
    /// checks should widen their tolerance.
    pub point_from_parent: bool,
}

impl Division {
    /// The most specific name: district, else city, else province.
    pub fn name(&self) -> &str {
        self.district
            .as_deref()
            .or(self.city.as_deref())
            .unwrap_or(&self.province)
    }
}

/// All divisions, sorted by code.
#[derive(Debug)]
pub struct Gazetteer {
    divisions: Vec<Division>,
}

static GAZETTEER: LazyLock<Gazetteer> =
    LazyLock::new(|| Gazetteer::from_csv(include_str!("../data/admin_divisions.csv")));

impl Gazetteer {
    /// The embedded gazetteer, parsed on first use.
    pub fn get() -> &'static Gazetteer {
        &GAZETTEER
    }

    fn from_csv(text: &str) -> Gazetteer {
        let mut divisions: Vec<Division> = csv::records(text)
            .into_iter()
            .map(|r| {
                let [code, province, city, district, lat, lng] = <[String; 6]>::try_from(r)
                    .unwrap_or_else(|r| panic!("admin_divisions.csv row {r:?} needs 6 fields"));
                let point = match (lat.parse::<f64>(), lng.parse::<f64>()) {
                    (Ok(lat), Ok(lng)) => Some((lat, lng)),
                    _ => None,
                };
                let non_empty = |s: String| (!s.is_empty()).then_some(s);
                Division {
                    level: level_of(&code),
                    code,
                    province,
                    city: non_empty(city),
                    district: non_empty(district),
                    point,
                    point_from_parent: false,
                }
            })
            .collect();
        divisions.sort_by(|a, b| a.code.cmp(&b.code));

        // Rows created after the upstream snapshot have no point (data
        // README): borrow the parent city's, or the province's.
        let mut gazetteer = Gazetteer { divisions };
        let inherited: Vec<(usize, (f64, f64))> = gazetteer
            .divisions
            .iter()
            .enumerate()
            .filter(|(_, d)| d.point.is_none())
            .filter_map(|(i, d)| {
                let point = gazetteer
                    .ancestors(&d.code)
                    .find_map(|parent| parent.point)?;
                Some((i, point))
            })
            .collect();
        for (i, point) in inherited {
            gazetteer.divisions[i].point = Some(point);
            gazetteer.divisions[i].point_from_parent = true;
        }
        gazetteer
    }

    /// The division with this 6-digit code.
    pub fn division(&self, code: &str) -> Option<&Division> {
        self.divisions
            .binary_search_by(|d| d.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.divisions[i])
    }

    /// The enclosing division: a district's city (or its province when it has
    /// no city row), a city's province; `None` for a province.
    pub fn parent(&self, division: &Division) -> Option<&Division> {
        self.ancestors(&division.code).next()
    }

    /// Existing ancestors of `code`, nearest first.
    fn ancestors<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a Division> + 'a {
        let candidates = match level_of(code) {
            DivisionLevel::District => {
                vec![format!("{}00", &code[..4]), format!("{}0000", &code[..2])]
            }
            DivisionLevel::City => vec![format!("{}0000", &code[..2])],
            DivisionLevel::Province => vec![],
        };
        candidates
            .into_iter()
            .filter_map(move |c| self.division(&c))
    }

    /// Every division, in code order.
    pub fn iter(&self) -> impl Iterator<Item = &Division> {
        self.divisions.iter()
    }

    /// How many divisions there are.
    pub fn len(&self) -> usize {
        self.divisions.len()
    }

    /// Whether there are none (never, for the embedded data).
    pub fn is_empty(&self) -> bool {
        self.divisions.is_empty()
    }
}

/// A code's level from its shape; `code` is 6 ASCII digits.
fn level_of(code: &str) -> DivisionLevel {
    if code.ends_with("0000") {
        DivisionLevel::Province
    } else if code.ends_with("00") {
        DivisionLevel::City
    } else {
        DivisionLevel::District
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g() -> &'static Gazetteer {
        Gazetteer::get()
    }

    #[test]
    fn every_row_is_loaded_and_every_division_has_a_point() {
        assert_eq!(g().len(), 3224);
        let levels = |l| g().iter().filter(|d| d.level == l).count();
        assert_eq!(levels(DivisionLevel::Province), 34);
        assert_eq!(levels(DivisionLevel::City), 339);
        assert_eq!(levels(DivisionLevel::District), 2851);
        assert!(g().iter().all(|d| d.point.is_some()));
        assert_eq!(g().iter().filter(|d| d.point_from_parent).count(), 59);
    }

    #[test]
    fn a_district_has_its_names_and_its_own_point() {
        let d = g().division("110105").unwrap();
        assert_eq!(d.level, DivisionLevel::District);
        assert_eq!(d.province, "北京市");
        assert_eq!(d.city.as_deref(), Some("北京市"));
        assert_eq!(d.name(), "朝阳区");
        assert!(!d.point_from_parent);
        assert_eq!(g().parent(d).unwrap().code, "110100");
    }

    #[test]
    fn a_division_without_a_point_borrows_its_parents() {
        // 440309 (深圳市龙华区) is newer than the upstream snapshot.
        let d = g().division("440309").unwrap();
        assert!(d.point_from_parent);
        assert_eq!(d.point, g().division("440300").unwrap().point);
        // 133100 雄安新区 is city-level: it borrows the province's.
        let x = g().division("133100").unwrap();
        assert_eq!(x.point, g().division("130000").unwrap().point);
    }

    #[test]
    fn directly_administered_counties_have_no_city_and_a_province_parent() {
        let d = g().division("419001").unwrap();
        assert_eq!(d.city, None);
        assert_eq!(d.name(), "济源市");
        assert_eq!(g().parent(d).unwrap().code, "410000");
    }

    #[test]
    fn unknown_codes_are_absent() {
        assert!(g().division("999999").is_none());
        assert!(g().division("1101").is_none());
    }
}
