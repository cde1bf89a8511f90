//! samplegen: a deterministic generator of realistic merchant batches with
//! planted cases, for mhub's samples, tests and benchmarks.
//!
//! [`generate`] writes, for [`Options`] `{merchants, acquirers, seed, photos,
//! invalid_rows}`, into an output directory:
//!
//! ```text
//! ACQ01/merchants.jsonl            one merchant per line (SPEC §3)
//! ACQ01/photos/<merchant_id>_storefront.jpg, _interior.jpg   (when photos)
//! ACQ02/merchants.csv              the CSV form (+ terminals.csv), columns below
//! ACQ02/terminals.csv
//! ACQ03/merchants.jsonl            …one directory per acquirer
//! terminal_locations/ACQnn.jsonl   {"sn"|"terminal_id", "lat", "lng", "seen_at"}
//! blacklist.jsonl                  entries to report, see [`BlacklistEntry`]
//! truth.json                       the planted truth, see [`Truth`]
//! ```
//!
//! Acquirers cycle through three data-quality profiles: `clean` (ACQ01, 04,
//! …: canonical values, region codes, GPS), `messy` (ACQ02, 05, …, written as
//! CSV: full-width digits, `+86 138-0013-8000` phones, traditional characters,
//! addresses without the province, card numbers in groups) and `legacy`
//! (ACQ03, 06, …: 15-digit IDs, lower-case `x`, `sn:nl5a-…` serials, no
//! region code, GPS mostly absent, an extra `branch_code` field).
//!
//! CSV columns: `merchants.csv`: `merchant_id,name,uscc,mcc,address,
//! region_code,lat,lng,legal_rep_name,legal_rep_id_type,legal_rep_id_number,
//! legal_rep_phone,contact_phone,account_number,account_name,account_bank,
//! account_kind,onboarded_at,status,termination_reason,terminated_at,photos`
//! (photos as `kind:path;kind:path`); `terminals.csv`: `merchant_id,
//! terminal_id,sn,vendor,model,lat,lng`. An empty cell means absent.
//!
//! Components: `plan` (how many of each case, in which order), `cases` (what
//! each planted case and hard negative is made of), `factory` (people, shops,
//! merchants), `identifiers` (valid, never-repeating IDs, USCCs, phones,
//! cards, serials, using matcher's check-digit functions), `address` and
//! `geo` (real gazetteer places; GPS derived from street and house number;
//! GCJ-02 → WGS-84), `profile` (how each acquirer writes a merchant),
//! `defect` (invalid rows), `photo` and `exif` (procedural JPEGs with
//! optional EXIF GPS), `output` (streamed writers), `truth` (the files'
//! public types).
//!
//! Key design choice: the run is a list of small unit specs; each unit (one
//! background merchant or one planted group) draws from its own seeded
//! ChaCha8 stream, is written and dropped, so output is byte-identical for a
//! seed and memory does not grow with the run. Uniqueness of identifiers
//! comes from keyed permutations, not from remembering issued values, so no
//! accidental collision can create a case the truth does not list.
//!
//! Dates are fixed (onboarding 2015–2025, reports in 2025); nothing reads
//! the clock.

mod address;
mod cases;
mod defect;
mod error;
mod exif;
mod factory;
mod generate;
mod geo;
mod identifiers;
mod merchant;
mod names;
mod options;
mod output;
mod photo;
mod plan;
mod profile;
mod rng;
mod row;
mod summary;
mod text;
mod truth;
mod unique;

pub use error::Error;
pub use generate::generate;
pub use options::Options;
pub use summary::{AcquirerSummary, Summary};
pub use truth::{
    BlacklistEntry, Case, Generated, HardNegative, InvalidRow, LocationReport, Member, Truth,
};

/// `jpeg` with an EXIF APP1 segment carrying a GPS position (WGS-84) and a
/// capture time, as a phone writes it: for tests of the hub's photo checks.
pub fn jpeg_with_gps(jpeg: &[u8], lat: f64, lng: f64, taken: time::PrimitiveDateTime) -> Vec<u8> {
    exif::insert_app1(jpeg, &exif::gps_app1(geo::Point { lat, lng }, taken))
}

/// `jpeg` with `app1` (a whole APP1 segment, marker included) inserted
/// after its header: for tests with broken EXIF.
pub fn jpeg_with_app1(jpeg: &[u8], app1: &[u8]) -> Vec<u8> {
    exif::insert_app1(jpeg, app1)
}
