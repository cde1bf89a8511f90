//! Business addresses (经营地址) and the premises' position.
//!
//! An address is built from a real gazetteer place, a street, a house number
//! and an optional detail (building/unit/room, a mall floor and shop unit, a
//! shop number). The position is derived from the street and the number, not
//! drawn independently, so the same address always gets (nearly) the same GPS
//! and neighbours on a street are near each other — what the fuzzy premises
//! checks of the hub expect of real data.

use std::f64::consts::PI;

use crate::geo::{Place, Point, fnv1a};
use crate::names;
use crate::rng::{self, Rng};
use crate::text;

/// What follows the house number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Detail {
    /// Nothing: a street-front shop.
    None,
    /// `N号铺`: a numbered shop unit.
    ShopUnit(u32),
    /// `1楼`: ground floor of the numbered building.
    GroundFloor,
    /// `B栋U单元R室`: an office or flat.
    Building { building: u32, unit: u32, room: u32 },
    /// `<mall>F楼U号铺`: a unit in a shopping mall.
    Mall {
        mall: &'static str,
        floor: u32,
        unit: u32,
    },
}

/// A business address.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    pub(crate) place: &'static Place,
    pub(crate) street: String,
    pub(crate) number: u32,
    pub(crate) detail: Detail,
}

/// How house numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Numerals {
    /// `18号`
    Arabic,
    /// `十八号`
    Chinese,
    /// `１８号` (and full-width digits in the detail)
    FullWidth,
}

/// How an address is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddressStyle {
    /// Starts with the province (always true for municipalities, whose city
    /// name is the province name).
    pub(crate) province: bool,
    pub(crate) numerals: Numerals,
    pub(crate) traditional: bool,
}

impl AddressStyle {
    pub(crate) const PLAIN: AddressStyle = AddressStyle {
        province: true,
        numerals: Numerals::Arabic,
        traditional: false,
    };
}

impl Address {
    /// A random street-front address in `place`.
    pub(crate) fn random(rng: &mut Rng, place: &'static Place) -> Address {
        let detail = match rng::between(rng, 0, 99) {
            0..=49 => Detail::None,
            50..=74 => Detail::ShopUnit(rng::between(rng, 1, 30)),
            75..=89 => Detail::GroundFloor,
            _ => Detail::Building {
                building: rng::between(rng, 1, 12),
                unit: rng::between(rng, 1, 4),
                room: rng::between(rng, 1, 6) * 100 + rng::between(rng, 1, 8),
            },
        };
        Address {
            place,
            street: street_name(rng),
            number: house_number(rng),
            detail,
        }
    }

    /// A unit in a mall in `place`: the building's address with a floor and a
    /// shop unit. Use [`Address::in_same_mall`] for the neighbours.
    pub(crate) fn mall(rng: &mut Rng, place: &'static Place) -> Address {
        let mut a = Address::random(rng, place);
        let mall = *rng::pick(rng, names::MALLS);
        a.detail = Detail::Mall {
            mall,
            floor: rng::between(rng, 1, 5),
            unit: rng::between(rng, 1, 60),
        };
        a
    }

    /// Another unit of the same mall (different floor or unit).
    pub(crate) fn in_same_mall(&self, rng: &mut Rng) -> Address {
        let mut a = self.clone();
        if let Detail::Mall { mall, floor, unit } = self.detail {
            let mut next = (floor, unit);
            while next == (floor, unit) {
                next = (rng::between(rng, 1, 5), rng::between(rng, 1, 60));
            }
            a.detail = Detail::Mall {
                mall,
                floor: next.0,
                unit: next.1,
            };
        }
        a
    }

    /// The address written in `style`.
    pub(crate) fn render(&self, style: AddressStyle) -> String {
        let p = self.place;
        let mut out = String::new();
        let municipality = p.city() == Some(p.province());
        if style.province || municipality {
            out.push_str(p.province());
        }
        if let Some(city) = p.city()
            && !municipality
        {
            out.push_str(city);
        }
        if p.city() != Some(p.district()) {
            out.push_str(p.district());
        }
        out.push_str(&self.street);
        let number = |n: u32| match style.numerals {
            Numerals::Arabic => n.to_string(),
            Numerals::Chinese => text::chinese_numeral(n),
            Numerals::FullWidth => text::full_width_digits(&n.to_string()),
        };
        out.push_str(&number(self.number));
        out.push('号');
        let detail = match &self.detail {
            Detail::None => String::new(),
            Detail::ShopUnit(n) => format!("{n}号铺"),
            Detail::GroundFloor => "1楼".to_owned(),
            Detail::Building {
                building,
                unit,
                room,
            } => format!("{building}栋{unit}单元{room}室"),
            Detail::Mall { mall, floor, unit } => format!("{mall}{floor}楼{floor}{unit:02}号铺"),
        };
        match style.numerals {
            Numerals::FullWidth => out.push_str(&text::full_width_digits(&detail)),
            _ => out.push_str(&detail),
        }
        if style.traditional {
            text::traditional(&out)
        } else {
            out
        }
    }

    /// Where the premises are: along the street from its anchor point, a few
    /// metres per house number. Deterministic in the address alone.
    pub(crate) fn point(&self) -> Point {
        let h = fnv1a(&format!("{}{}", self.place.code(), self.street));
        let unit = |shift: u32| ((h >> shift) & 0xFFFF) as f64 / 65_535.0;
        let radius = self.place.radius_m * unit(0).sqrt();
        let angle = unit(16) * 2.0 * PI;
        let anchor = self
            .place
            .point
            .offset(radius * angle.cos(), radius * angle.sin());
        let heading = unit(32) * PI;
        // Numbers climb a few metres per plot; long streets are capped so the
        // premises stay within a few km of the district's point.
        let along = f64::from(self.number.min(400)) * 4.0;
        anchor.offset(along * heading.cos(), along * heading.sin())
    }
}

fn street_name(rng: &mut Rng) -> String {
    let stem = rng::pick(rng, names::STREET_STEMS);
    let direction = if rng::chance(rng, 0.3) {
        *rng::pick(rng, &["东", "西", "南", "北", "中"])
    } else {
        ""
    };
    let kind = rng::pick_weighted(rng, &[("路", 60), ("街", 20), ("大道", 10), ("大街", 10)]);
    format!("{stem}{direction}{kind}")
}

/// House numbers: mostly small, sometimes in the hundreds.
fn house_number(rng: &mut Rng) -> u32 {
    match rng::between(rng, 0, 9) {
        0..=5 => rng::between(rng, 1, 99),
        6..=8 => rng::between(rng, 100, 399),
        _ => rng::between(rng, 400, 1200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Places;
    use std::sync::LazyLock;

    static PLACES: LazyLock<Places> = LazyLock::new(Places::load);

    fn sample() -> Address {
        let mut rng = rng::stream(9, 9, 9);
        let place = PLACES.sample(&mut rng);
        Address {
            place,
            street: "建设路".to_owned(),
            number: 18,
            detail: Detail::ShopUnit(3),
        }
    }

    #[test]
    fn styles_change_the_writing_but_not_the_premises() {
        let a = sample();
        let plain = a.render(AddressStyle::PLAIN);
        let chinese = a.render(AddressStyle {
            numerals: Numerals::Chinese,
            ..AddressStyle::PLAIN
        });
        let wide = a.render(AddressStyle {
            numerals: Numerals::FullWidth,
            province: false,
            traditional: false,
        });
        assert!(plain.contains("建设路18号3号铺"), "{plain}");
        assert!(chinese.contains("建设路十八号3号铺"), "{chinese}");
        assert!(wide.contains("建设路１８号３号铺"), "{wide}");
        assert_ne!(plain, wide);
    }

    #[test]
    fn neighbours_on_a_street_are_close_and_the_position_is_stable() {
        let a = sample();
        let mut b = a.clone();
        b.number = 30;
        assert_eq!(a.point(), a.clone().point());
        assert!(a.point().distance_m(b.point()) < 100.0);
    }
}
