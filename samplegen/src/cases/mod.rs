//! Planting: each unit kind becomes merchants plus the truth about them.
//!
//! A planted case ties its members by exactly the evidence the case type
//! names and by nothing else, so the truth file can be exact: a fuzzy
//! nominee group shares premises, GPS, a name family and the controller's
//! name on the accounts, but no ID, phone, account or serial; a hard
//! negative shares what fools a naive matcher (a name, a mall, a hub phone)
//! and nothing that makes it one person.

mod blacklist;
mod people;
mod premises;
mod terminals;
mod unit;

pub(crate) use blacklist::decoy;
pub(crate) use unit::{Unit, acquirer_name, build};
