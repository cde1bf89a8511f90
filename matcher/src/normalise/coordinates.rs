//! GPS coordinates as acquirers report them.

use crate::record::Coordinates;

/// Why coordinates were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoordinatesError {
    /// Not finite, or outside China's bounding box.
    #[error("coordinates must be finite and inside China (lat 3.8..=53.6, lng 73.4..=135.1)")]
    OutOfRange,
}

impl CoordinatesError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CoordinatesError::OutOfRange => "coordinates_out_of_range",
        }
    }
}

/// China's bounding box, Nansha islands to Mohe, Pamirs to Fuyuan. A box, not
/// the border: it catches swapped lat/lng, zeros and sign slips, which are the
/// usual errors; whether a point is in the declared district is a separate
/// location check.
const LAT: std::ops::RangeInclusive<f64> = 3.8..=53.6;
const LNG: std::ops::RangeInclusive<f64> = 73.4..=135.1;

/// Checks that `lat`/`lng` (WGS-84 decimal degrees) are finite and inside
/// China's bounding box.
pub fn coordinates(lat: f64, lng: f64) -> Result<Coordinates, CoordinatesError> {
    // `contains` is false for NaN, and the ranges are finite, so this also
    // rejects NaN and the infinities.
    if LAT.contains(&lat) && LNG.contains(&lng) {
        Ok(Coordinates { lat, lng })
    } else {
        Err(CoordinatesError::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_china_are_accepted() {
        let c = coordinates(39.9042, 116.4074).unwrap();
        assert_eq!((c.lat, c.lng), (39.9042, 116.4074));
        assert!(coordinates(3.8, 135.1).is_ok());
    }

    #[test]
    fn swapped_zero_and_non_finite_points_are_rejected() {
        for (lat, lng) in [
            (116.4074, 39.9042),
            (0.0, 0.0),
            (f64::NAN, 116.0),
            (39.0, f64::INFINITY),
            (-39.9, 116.4),
        ] {
            let err = coordinates(lat, lng).unwrap_err();
            assert_eq!(err.code(), "coordinates_out_of_range");
        }
    }
}
