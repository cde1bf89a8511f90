//! What to plant: how many instances of each case and hard negative, how
//! large, and in which order units of work are generated.
//!
//! The plan is a list of small [`UnitSpec`]s (a few bytes each, so a million
//! merchants cost a few megabytes); each unit is generated, written and
//! dropped in turn. Counts are proportional to the number of merchants with
//! a floor, so a 240-merchant sample still holds every case type, and planted
//! merchants are capped at 60 % of the total so tiny runs stay mostly
//! background.

use rand::seq::SliceRandom;

use crate::Options;
use crate::rng::{self, purpose};

/// What a unit of work produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Background,
    Exact,
    LinkedPhone,
    LinkedAccount,
    LinkedFuzzy,
    SharedTerminal,
    SharedPhone,
    SharedAccount,
    SharedPhoto,
    LocationMismatch,
    TerminalRelocated,
    BlacklistMerchant,
    BlacklistPerson,
    BlacklistAccount,
    BlacklistTerminal,
    CommonName,
    ChainBrand,
    Mall,
    AgentPhone,
    OutsourcerAccount,
    FamilyPhone,
    OwnerChange,
    ConsecutiveSerials,
}

/// One unit of work: a kind, the number of merchants it writes, and for a
/// background merchant whether it is an invalid row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnitSpec {
    pub(crate) kind: Kind,
    pub(crate) size: u16,
    pub(crate) invalid: bool,
}

/// Per kind: minimum instances, instances per 100,000 merchants, and the
/// size range (the upper bound of hubs grows with the run).
struct Rule {
    kind: Kind,
    min: usize,
    per_100k: usize,
    size: (u16, u16),
}

const RULES: &[Rule] = &[
    Rule {
        kind: Kind::Exact,
        min: 4,
        per_100k: 200,
        size: (2, 4),
    },
    Rule {
        kind: Kind::LinkedPhone,
        min: 2,
        per_100k: 100,
        size: (3, 4),
    },
    Rule {
        kind: Kind::LinkedAccount,
        min: 2,
        per_100k: 100,
        size: (3, 4),
    },
    Rule {
        kind: Kind::LinkedFuzzy,
        min: 4,
        per_100k: 100,
        size: (3, 4),
    },
    Rule {
        kind: Kind::SharedTerminal,
        min: 3,
        per_100k: 100,
        size: (2, 3),
    },
    Rule {
        kind: Kind::SharedPhone,
        min: 2,
        per_100k: 50,
        size: (2, 2),
    },
    Rule {
        kind: Kind::SharedAccount,
        min: 2,
        per_100k: 50,
        size: (2, 2),
    },
    Rule {
        kind: Kind::SharedPhoto,
        min: 3,
        per_100k: 50,
        size: (2, 3),
    },
    Rule {
        kind: Kind::LocationMismatch,
        min: 4,
        per_100k: 100,
        size: (1, 1),
    },
    Rule {
        kind: Kind::TerminalRelocated,
        min: 3,
        per_100k: 100,
        size: (1, 1),
    },
    Rule {
        kind: Kind::BlacklistMerchant,
        min: 2,
        per_100k: 30,
        size: (1, 1),
    },
    Rule {
        kind: Kind::BlacklistPerson,
        min: 2,
        per_100k: 30,
        size: (1, 1),
    },
    Rule {
        kind: Kind::BlacklistAccount,
        min: 1,
        per_100k: 20,
        size: (1, 1),
    },
    Rule {
        kind: Kind::BlacklistTerminal,
        min: 1,
        per_100k: 20,
        size: (1, 1),
    },
    Rule {
        kind: Kind::CommonName,
        min: 2,
        per_100k: 50,
        size: (3, 5),
    },
    Rule {
        kind: Kind::ChainBrand,
        min: 2,
        per_100k: 50,
        size: (3, 5),
    },
    Rule {
        kind: Kind::Mall,
        min: 2,
        per_100k: 50,
        size: (3, 5),
    },
    Rule {
        kind: Kind::AgentPhone,
        min: 1,
        per_100k: 5,
        size: (6, 10),
    },
    Rule {
        kind: Kind::OutsourcerAccount,
        min: 1,
        per_100k: 5,
        size: (6, 10),
    },
    Rule {
        kind: Kind::FamilyPhone,
        min: 2,
        per_100k: 50,
        size: (2, 2),
    },
    Rule {
        kind: Kind::OwnerChange,
        min: 2,
        per_100k: 50,
        size: (2, 2),
    },
    Rule {
        kind: Kind::ConsecutiveSerials,
        min: 2,
        per_100k: 50,
        size: (3, 5),
    },
];

/// The share of merchants that may belong to planted units.
const PLANTED_SHARE: f64 = 0.6;

/// The units to generate, in generation order.
pub(crate) fn plan(options: &Options) -> Vec<UnitSpec> {
    let mut rng = rng::stream(options.seed, purpose::PLAN, 0);
    let m = options.merchants;
    let rules: Vec<&Rule> = RULES
        .iter()
        .filter(|r| options.photos || r.kind != Kind::SharedPhoto)
        .collect();
    let mut counts: Vec<usize> = rules
        .iter()
        .map(|r| r.min.max((m * r.per_100k).div_ceil(100_000)))
        .collect();
    let size_range = |r: &Rule| -> (u16, u16) {
        let (lo, hi) = r.size;
        match r.kind {
            // A sales agent or an outsourcer serves more merchants in a bigger market.
            Kind::AgentPhone | Kind::OutsourcerAccount => (lo, hi.max((m / 5000).min(150) as u16)),
            // With one acquirer, an exact case needs three merchants to count.
            Kind::Exact if options.acquirers < 2 => (3, hi),
            _ => (lo, hi),
        }
    };
    let mean = |r: &Rule| {
        let (lo, hi) = size_range(r);
        (usize::from(lo) + usize::from(hi)).div_ceil(2)
    };
    let budget = (m as f64 * PLANTED_SHARE) as usize;
    let planted =
        |counts: &[usize]| -> usize { rules.iter().zip(counts).map(|(r, c)| c * mean(r)).sum() };
    while planted(&counts) > budget {
        // Thin the most numerous kind first; drop whole kinds only at the end.
        let (i, &c) = counts
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|(_, c)| **c)
            .expect("rules are not empty");
        if c > 1 {
            counts[i] -= 1;
        } else if let Some(last) = counts.iter().rposition(|&c| c > 0) {
            counts[last] = 0;
        } else {
            break;
        }
    }

    let mut units = Vec::with_capacity(m);
    let mut used = 0;
    for (rule, &count) in rules.iter().zip(&counts) {
        let (lo, hi) = size_range(rule);
        for _ in 0..count {
            let size = rng::between(&mut rng, u32::from(lo), u32::from(hi)) as u16;
            if used + usize::from(size) > budget.max(1) {
                continue;
            }
            used += usize::from(size);
            units.push(UnitSpec {
                kind: rule.kind,
                size,
                invalid: false,
            });
        }
    }
    let background = m - used;
    units.extend((0..background).map(|_| UnitSpec {
        kind: Kind::Background,
        size: 1,
        invalid: false,
    }));
    units.shuffle(&mut rng);

    let background_at: Vec<usize> = (0..units.len())
        .filter(|&i| units[i].kind == Kind::Background)
        .collect();
    let invalid = options.invalid_rows.min(background_at.len());
    let mut chosen: Vec<usize> = rand::seq::index::sample(&mut rng, background_at.len(), invalid)
        .into_iter()
        .map(|i| background_at[i])
        .collect();
    chosen.sort_unstable();
    for i in chosen {
        units[i].invalid = true;
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(merchants: usize) -> Options {
        Options {
            merchants,
            acquirers: 3,
            seed: 1,
            photos: true,
            invalid_rows: 8,
            ..Options::default()
        }
    }

    #[test]
    fn the_plan_writes_exactly_the_requested_merchants() {
        for m in [1, 10, 100, 240, 5000] {
            let units = plan(&options(m));
            let total: usize = units.iter().map(|u| usize::from(u.size)).sum();
            assert_eq!(total, m, "{m}");
        }
    }

    #[test]
    fn a_sample_sized_plan_holds_every_kind() {
        let units = plan(&options(240));
        for rule in RULES {
            assert!(units.iter().any(|u| u.kind == rule.kind), "{:?}", rule.kind);
        }
        assert_eq!(units.iter().filter(|u| u.invalid).count(), 8);
    }
}
