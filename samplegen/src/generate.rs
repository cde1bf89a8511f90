//! The run: plan, then generate and write unit by unit.

use std::path::Path;

use crate::cases;
use crate::defect::{self, Defect};
use crate::error::Error;
use crate::factory::Factory;
use crate::options::Options;
use crate::output::Output;
use crate::plan;
use crate::profile::Profile;
use crate::rng::{self, purpose};
use crate::summary::Summary;
use crate::truth::{Generated, Truth};

/// Generates a data set into `out_dir` (created if missing; files of the
/// same names are overwritten, other files are left alone).
///
/// Deterministic: the same options give byte-identical files. Memory is
/// bounded by the largest planted group, not by `merchants`.
pub fn generate(options: &Options, out_dir: &Path) -> Result<Summary, Error> {
    if options.acquirers == 0 {
        return Err(Error::Options("at least one acquirer is needed".into()));
    }
    if options.merchants == 0 {
        return Err(Error::Options("at least one merchant is needed".into()));
    }
    let units = plan::plan(options);
    let mut output = Output::create(out_dir, options.acquirers, options.seed, options.photos)?;
    let mut factory = Factory::new(options.seed, options.acquirers, options.photos);
    let mut truth = Truth {
        generated: Generated {
            seed: options.seed,
            merchants: options.merchants,
            acquirers: options.acquirers,
            photos: options.photos,
            invalid_rows: options.invalid_rows,
        },
        cases: Vec::new(),
        hard_negatives: Vec::new(),
        invalid_rows: Vec::new(),
    };
    let mut defects = DefectDealer::new(options);
    for (index, spec) in units.iter().enumerate() {
        let mut rng = rng::stream(options.seed, purpose::UNIT, index as u64);
        let defect = spec.invalid.then(|| defects.next());
        let unit = cases::build(*spec, &mut factory, &mut rng, defect)?;
        output.accept(unit, &mut truth)?;
    }
    let mut rng = rng::stream(options.seed, purpose::DECOY, 0);
    let decoys = options.decoys();
    for i in 0..decoys {
        output.blacklist_entry(&cases::decoy(&mut factory, &mut rng, i)?)?;
    }
    let mut summary = Summary {
        blacklist_decoys: decoys,
        ..Summary::default()
    };
    output.finish(truth, &mut summary)?;
    Ok(summary)
}

/// Hands out `(acquirer, defect)` for invalid rows: acquirers in turn, defects
/// in [`defect::ALL`] order, skipping those the acquirer's format cannot carry.
struct DefectDealer {
    acquirers: usize,
    photos: bool,
    dealt: usize,
    cursor: usize,
}

impl DefectDealer {
    fn new(options: &Options) -> DefectDealer {
        DefectDealer {
            acquirers: options.acquirers,
            photos: options.photos,
            dealt: 0,
            cursor: 0,
        }
    }

    fn next(&mut self) -> (usize, Defect) {
        let acquirer = self.dealt % self.acquirers;
        self.dealt += 1;
        let format = Profile::of(acquirer).format;
        loop {
            let d = defect::ALL[self.cursor % defect::ALL.len()];
            self.cursor += 1;
            if d.applies(format, self.photos) {
                return (acquirer, d);
            }
        }
    }
}
