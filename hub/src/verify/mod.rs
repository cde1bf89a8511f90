//! Verification (SPEC §6): photos compared across every merchant, and
//! terminals checked against where their merchants are. The pure checks
//! are the matcher's ([`matcher::check_location`], [`matcher::PhotoIndex`]);
//! this module keeps the derived photo index and takes terminal location
//! reports.

mod photos;
pub mod terminals;

pub use photos::{Candidate, PhotoMatcher, PhotoSession, confirm};
