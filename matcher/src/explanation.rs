//! Why two merchants were (or were not) linked (STYLE 12, SPEC §5 evidence).
//!
//! Every [`Link`](crate::Link) carries an [`Explanation`]: the rule that
//! fired, the score and the threshold it passed, and one [`Evidence`] item
//! per signal found — which field, the two values (names and addresses in
//! clear, identity documents only masked), their similarity, how many stored
//! merchants share the value, the rarity and base weight that give the item
//! its weight, and the role it played. Reviewers read it; the hub stores it
//! as the alert's evidence (it serialises with serde) and compares it to
//! decide whether a dismissed alert has *new* evidence.
//!
//! Like tantivy's `Explanation`, it is a tree: link → evidence items →
//! factors (`weight = base × similarity × rarity`). The order is fixed
//! (evidence in [`Signal`] order, notes in rule order), so the same inputs
//! always give the same explanation.

use std::fmt;

use serde::Serialize;

/// The rule that made a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The same legal-representative identity token: one person (the
    /// hub's `exact` subtype; linked here too so clusters are complete).
    SameLegalRep,
    /// The same premises written differently, corroborated by an
    /// independent name, person or photo signal.
    CoLocated,
    /// The same controller's name on personal settlement cards in one city,
    /// corroborated by a place, name or photo signal.
    Controller,
}

impl Rule {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::SameLegalRep => "same_legal_rep",
            Rule::CoLocated => "co_located",
            Rule::Controller => "controller",
        }
    }
}

/// What kind of fact a signal is. A link needs facts of two different
/// categories: two place signals (an address and a GPS fix geocoded from
/// it) are one fact seen twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Where the shop is.
    Place,
    /// What the shop is called.
    Name,
    /// Who is behind it.
    Person,
    /// What its photos show.
    Photo,
}

/// One kind of evidence, in the order explanations list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The same legal-representative identity token (values masked).
    LegalRepId,
    /// The same premises: area, street, house number and unit.
    Premises,
    /// GPS fixes within [`GPS_MAX_M`](crate::GPS_MAX_M).
    Gps,
    /// The same shop-name family or a near-identical name core.
    NameFamily,
    /// Legal representatives of the same name (different documents).
    LegalRepName,
    /// One person's name on the settlement cards: a shared holder who is
    /// neither legal representative, or one merchant's legal representative
    /// holding the other's card.
    Controller,
    /// The same photo hash.
    Photo,
}

impl Signal {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::LegalRepId => "legal_rep_id",
            Signal::Premises => "premises",
            Signal::Gps => "gps",
            Signal::NameFamily => "name_family",
            Signal::LegalRepName => "legal_rep_name",
            Signal::Controller => "controller",
            Signal::Photo => "photo",
        }
    }

    /// The category this signal belongs to.
    pub fn category(self) -> Category {
        match self {
            Signal::Premises | Signal::Gps => Category::Place,
            Signal::NameFamily => Category::Name,
            Signal::LegalRepId | Signal::LegalRepName | Signal::Controller => Category::Person,
            Signal::Photo => Category::Photo,
        }
    }
}

/// The part an evidence item played in the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The signal the rule starts from.
    Anchor,
    /// An independent signal (another category) that confirms the anchor.
    Corroboration,
    /// Counted in the score, but neither anchor nor corroboration (same
    /// category as the anchor, or too common to corroborate).
    Support,
    /// Found but not counted (see the explanation's notes: e.g. a shop that
    /// changed owner keeps its address, name and storefront).
    Ignored,
}

impl Role {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Anchor => "anchor",
            Role::Corroboration => "corroboration",
            Role::Support => "support",
            Role::Ignored => "ignored",
        }
    }
}

/// One signal found between two merchants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Which signal.
    pub signal: Signal,
    /// What it did in the decision.
    pub role: Role,
    /// The left merchant's value (names and addresses in clear; identity
    /// documents masked; photo hashes as stored).
    pub left: String,
    /// The right merchant's value.
    pub right: String,
    /// How alike the values are, 0–1 (1 for equality; for GPS,
    /// `1 − d / (2 · GPS_MAX_M)`).
    pub similarity: f64,
    /// How many stored merchants share the value (the larger of the two
    /// sides' counts); `None` where rarity does not apply (GPS, identity).
    pub frequency: Option<u64>,
    /// [`rarity`](crate::rarity) of `frequency` (1 when it does not apply).
    pub rarity: f64,
    /// The signal's weight before similarity and rarity.
    pub base_weight: f64,
    /// `base_weight × similarity × rarity`: what the item adds to the score
    /// (unless [`Role::Ignored`]).
    pub weight: f64,
    /// What exactly agreed (`same unit 3楼312号铺`, `distance 42 m`).
    pub detail: String,
}

/// The decision on one pair of merchants, with its reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The rule that linked the pair; `None` when it was not linked.
    pub rule: Option<Rule>,
    /// `1 − Π(1 − weight)` over the counted evidence (a noisy-or: each item
    /// is an independent chance that the pair is one person), 0–1.
    pub score: f64,
    /// The score a link needs ([`LINK_MIN_SCORE`](crate::LINK_MIN_SCORE)).
    pub threshold: f64,
    /// The evidence found, in [`Signal`] order.
    pub evidence: Vec<Evidence>,
    /// Guards that applied and why a rule did not fire, in a fixed order.
    pub notes: Vec<String>,
}

impl Explanation {
    /// The evidence item for `signal`, if it was found.
    pub fn evidence(&self, signal: Signal) -> Option<&Evidence> {
        self.evidence.iter().find(|e| e.signal == signal)
    }

    /// Whether the pair was linked.
    pub fn is_link(&self) -> bool {
        self.rule.is_some()
    }
}

impl fmt::Display for Explanation {
    /// A tree for people and logs:
    ///
    /// ```text
    /// co_located: score 0.871 (link at ≥ 0.55)
    ///   premises [anchor] 0.450 = 0.45 × sim 1.00 × rarity 1.00 (3 merchants): 华强北路18号 | 华强北路18号 (same building, no unit written)
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = self.rule.map_or("no link", Rule::as_str);
        writeln!(
            f,
            "{rule}: score {:.3} (link at ≥ {})",
            self.score, self.threshold
        )?;
        for e in &self.evidence {
            let df = e
                .frequency
                .map(|n| format!(" ({n} merchants)"))
                .unwrap_or_default();
            write!(
                f,
                "  {} [{}] {:.3} = {} × sim {:.2} × rarity {:.2}{df}: {} | {}",
                e.signal.as_str(),
                e.role.as_str(),
                e.weight,
                e.base_weight,
                e.similarity,
                e.rarity,
                e.left,
                e.right
            )?;
            if !e.detail.is_empty() {
                write!(f, " ({})", e.detail)?;
            }
            writeln!(f)?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}
