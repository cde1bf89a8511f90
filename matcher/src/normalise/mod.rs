//! Free-standing normalisers: text folding, other document numbers and
//! coordinates. The identifier newtypes (`ResidentId`, `Uscc`, …) live at the
//! crate root; this namespace holds the functions whose short names
//! (`text`, `coordinates`) read best qualified: `normalise::text(name)`.

mod coordinates;
mod document;
mod text;

pub use coordinates::{CoordinatesError, coordinates};
pub use document::{DocumentNumberError, document_number};
pub(crate) use text::compact;
pub use text::text;
