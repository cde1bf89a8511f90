//! Free-standing normalisers: text folding, traditional → simplified,
//! Chinese numerals, merchant-name cores, addresses, other document numbers
//! and coordinates. The identifier newtypes (`ResidentId`, `Uscc`, …) live at the
//! crate root; this namespace holds the functions whose short names
//! (`text`, `coordinates`) read best qualified: `normalise::text(name)`.

mod address;
mod chinese;
mod coordinates;
mod document;
mod name;
mod numerals;
mod text;

pub use address::{ParsedAddress, address};
pub use chinese::simplified;
pub use name::{CompanyName, NAME_SUFFIXES, NameCore, NameTokens, TRADE_WORDS, name_core};
pub use numerals::numerals;

pub use coordinates::{CoordinatesError, coordinates};
pub use document::{DocumentNumberError, document_number};
pub(crate) use text::compact;
pub use text::text;
