//! A merchant as the generator knows it: canonical values, before an
//! acquirer's system writes them down in its own style.

use time::{Date, PrimitiveDateTime};

use crate::address::{Address, AddressStyle};
use crate::geo::Point;
use crate::identifiers::ResidentNumber;
use crate::photo::PhotoRecipe;

/// A legal representative (or another person: controller, nominee).
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) document: Document,
    /// The person's own mobile number.
    pub(crate) phone: String,
}

/// The identity document a person shows.
#[derive(Debug, Clone)]
pub(crate) enum Document {
    Resident(ResidentNumber),
    /// `(id_type, number)` for passports and permits.
    Other(&'static str, String),
}

impl Document {
    /// The wire `id_type`.
    pub(crate) fn id_type(&self) -> &'static str {
        match self {
            Document::Resident(_) => "resident_id",
            Document::Other(kind, _) => kind,
        }
    }

    /// The canonical number.
    pub(crate) fn number(&self) -> &str {
        match self {
            Document::Resident(id) => &id.number,
            Document::Other(_, number) => number,
        }
    }
}

/// Card or corporate account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AccountKind {
    Card,
    Corporate,
}

impl AccountKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            AccountKind::Card => "card",
            AccountKind::Corporate => "corporate",
        }
    }
}

/// A settlement account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) number: String,
    /// Holder's name: the person for a card, the company for a corporate account.
    pub(crate) name: String,
    pub(crate) bank: String,
    pub(crate) kind: AccountKind,
}

/// How a terminal's serial number is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SnStyle {
    pub(crate) lower: bool,
    /// Group the serial by four with this separator.
    pub(crate) separator: Option<char>,
    /// Write an `SN:` prefix.
    pub(crate) prefix: bool,
    /// Type `0` as `O` and `1` as `I` (at most two places).
    pub(crate) slips: bool,
}

/// A POS terminal.
#[derive(Debug, Clone)]
pub(crate) struct Terminal {
    pub(crate) terminal_id: String,
    /// Canonical serial.
    pub(crate) sn: String,
    pub(crate) vendor: &'static str,
    pub(crate) model: &'static str,
    pub(crate) location: Option<Point>,
    /// A forced writing style; `None` leaves it to the acquirer's profile.
    pub(crate) sn_style: Option<SnStyle>,
}

/// What a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PhotoKind {
    Storefront,
    Interior,
}

impl PhotoKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PhotoKind::Storefront => "storefront",
            PhotoKind::Interior => "interior",
        }
    }
}

/// EXIF facts to embed in a photo.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhotoExif {
    pub(crate) point: Point,
    pub(crate) taken: PrimitiveDateTime,
}

/// A photo attached to a merchant.
#[derive(Debug, Clone)]
pub(crate) struct Photo {
    pub(crate) kind: PhotoKind,
    pub(crate) recipe: PhotoRecipe,
    pub(crate) exif: Option<PhotoExif>,
}

/// Trading or terminated.
#[derive(Debug, Clone)]
pub(crate) enum Status {
    Active,
    Terminated { reason: String, at: Date },
}

/// How a resident ID is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IdStyle {
    Canonical,
    /// 15-digit first-generation form.
    Legacy,
    /// Check character `x`.
    LowerX,
    FullWidth,
}

/// Renderings a planted case forces; `None` leaves the field to the profile.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forced {
    pub(crate) id_style: Option<IdStyle>,
    pub(crate) address: Option<AddressStyle>,
    /// GPS must be written (the case depends on it).
    pub(crate) gps: bool,
    pub(crate) name_traditional: Option<bool>,
}

/// One merchant, canonical.
#[derive(Debug, Clone)]
pub(crate) struct Merchant {
    /// Index of the acquirer (0-based).
    pub(crate) acquirer: usize,
    pub(crate) merchant_id: String,
    pub(crate) name: String,
    pub(crate) uscc: Option<String>,
    pub(crate) mcc: &'static str,
    pub(crate) address: Address,
    /// GPS of the premises as the acquirer recorded it (WGS-84).
    pub(crate) gps: Point,
    pub(crate) legal_rep: Person,
    pub(crate) contact_phone: Option<String>,
    pub(crate) account: Account,
    pub(crate) terminals: Vec<Terminal>,
    pub(crate) photos: Vec<Photo>,
    pub(crate) onboarded_at: Date,
    pub(crate) status: Status,
    pub(crate) forced: Forced,
}
