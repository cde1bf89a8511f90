//! Writing batches: one directory per acquirer, streamed.
//!
//! Rows are rendered and written when they leave a small per-acquirer
//! shuffle buffer, so a planted group's members do not sit on adjacent lines
//! and memory stays bounded whatever the run's size. Line numbers of invalid
//! rows are known only then, which is why the writer, not the planter,
//! records them in the truth.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::cases::{Unit, acquirer_name};
use crate::defect::Defect;
use crate::error::Error;
use crate::merchant::Merchant;
use crate::profile::{Format, Profile};
use crate::rng::{self, Rng, purpose};
use crate::row::{MERCHANT_COLUMNS, TERMINAL_COLUMNS};
use crate::summary::{AcquirerSummary, Summary};
use crate::truth::{BlacklistEntry, InvalidRow, Truth};

/// Rows held back per acquirer before one is written at random.
const SHUFFLE_BUFFER: usize = 48;

enum Sink {
    Jsonl(BufWriter<File>),
    /// Boxed: a CSV writer carries its own buffers.
    Csv {
        merchants: Box<csv::Writer<BufWriter<File>>>,
        terminals: Box<csv::Writer<BufWriter<File>>>,
    },
}

/// One acquirer's batch being written.
struct Batch {
    dir: PathBuf,
    profile: Profile,
    sink: Sink,
    locations: BufWriter<File>,
    pending: Vec<(Merchant, Option<Defect>)>,
    /// Rendering and shuffling choices.
    rng: Rng,
    /// The last line written (the CSV header is line 1).
    line: usize,
    summary: AcquirerSummary,
    photo_bytes: u64,
}

fn create(path: &Path) -> Result<BufWriter<File>, Error> {
    Ok(BufWriter::new(File::create(path).map_err(Error::io(path))?))
}

impl Batch {
    fn new(out: &Path, index: usize, seed: u64, photos: bool) -> Result<Batch, Error> {
        let code = acquirer_name(index);
        let dir = out.join(&code);
        fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        if photos {
            let p = dir.join("photos");
            fs::create_dir_all(&p).map_err(Error::io(&p))?;
        }
        let profile = Profile::of(index);
        let (sink, line) = match profile.format {
            Format::Jsonl => (Sink::Jsonl(create(&dir.join("merchants.jsonl"))?), 0),
            Format::Csv => {
                let mut merchants = csv::Writer::from_writer(create(&dir.join("merchants.csv"))?);
                merchants.write_record(MERCHANT_COLUMNS)?;
                let mut terminals = csv::Writer::from_writer(create(&dir.join("terminals.csv"))?);
                terminals.write_record(TERMINAL_COLUMNS)?;
                (
                    Sink::Csv {
                        merchants: Box::new(merchants),
                        terminals: Box::new(terminals),
                    },
                    1,
                )
            }
        };
        let locations = create(&out.join("terminal_locations").join(format!("{code}.jsonl")))?;
        Ok(Batch {
            dir,
            profile,
            sink,
            locations,
            pending: Vec::with_capacity(SHUFFLE_BUFFER + 1),
            rng: rng::stream(seed, purpose::SHUFFLE, index as u64),
            line,
            summary: AcquirerSummary {
                code,
                format: match profile.format {
                    Format::Jsonl => "jsonl".into(),
                    Format::Csv => "csv".into(),
                },
                profile: profile.name.into(),
                ..AcquirerSummary::default()
            },
            photo_bytes: 0,
        })
    }

    fn push(
        &mut self,
        m: Merchant,
        defect: Option<Defect>,
        truth: &mut Truth,
    ) -> Result<(), Error> {
        self.pending.push((m, defect));
        if self.pending.len() > SHUFFLE_BUFFER {
            self.write_one(truth)?;
        }
        Ok(())
    }

    /// Writes a random pending row.
    fn write_one(&mut self, truth: &mut Truth) -> Result<(), Error> {
        let i = rng::between(&mut self.rng, 0, self.pending.len() as u32 - 1) as usize;
        let (m, defect) = self.pending.swap_remove(i);
        self.write(&m, defect, truth)
    }

    fn write(
        &mut self,
        m: &Merchant,
        defect: Option<Defect>,
        truth: &mut Truth,
    ) -> Result<(), Error> {
        let files = self.write_photos(m, defect)?;
        let mut row = self.profile.render(&mut self.rng, m, &files);
        let field = defect.map(|d| d.apply(&mut self.rng, &mut row, m));
        self.line += 1;
        if let Some(d) = defect {
            truth.invalid_rows.push(InvalidRow {
                acquirer: self.summary.code.clone(),
                line: self.line,
                merchant_id: m.merchant_id.clone(),
                field: field.flatten(),
                code: d.code().to_owned(),
            });
            self.summary.invalid_rows += 1;
        }
        match &mut self.sink {
            Sink::Jsonl(w) => {
                let mut json = serde_json::to_string(&row)?;
                if defect == Some(Defect::MalformedJson) {
                    // Cut inside the terminals or account: never valid JSON.
                    let mut cut = json.len() * 2 / 3;
                    while !json.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    json.truncate(cut);
                }
                let path = &self.dir;
                w.write_all(json.as_bytes()).map_err(Error::io(path))?;
                w.write_all(b"\n").map_err(Error::io(path))?;
            }
            Sink::Csv {
                merchants,
                terminals,
            } => {
                merchants.write_record(row.merchant_record())?;
                for t in row.terminal_records() {
                    terminals.write_record(t)?;
                }
            }
        }
        self.summary.merchants += 1;
        self.summary.terminals += row.terminals.len();
        Ok(())
    }

    /// Writes `m`'s photos; returns their batch-relative paths. A photo
    /// defect spoils or skips the first photo.
    fn write_photos(&mut self, m: &Merchant, defect: Option<Defect>) -> Result<Vec<String>, Error> {
        let mut files = Vec::with_capacity(m.photos.len());
        for (i, photo) in m.photos.iter().enumerate() {
            let file = format!("photos/{}_{}.jpg", m.merchant_id, photo.kind.as_str());
            let path = self.dir.join(&file);
            let bytes = match (i, defect) {
                (0, Some(Defect::PhotoMissing)) => None,
                (0, Some(Defect::PhotoUndecodable)) => {
                    // Not an image at all: a few KB that no decoder accepts.
                    let mut junk = vec![0u8; 3000];
                    rand::RngExt::fill(&mut self.rng, &mut junk[..]);
                    junk[0] = 0;
                    Some(junk)
                }
                _ => Some(photo.recipe.encode(photo.exif.as_ref())?),
            };
            if let Some(bytes) = bytes {
                fs::write(&path, &bytes).map_err(Error::io(&path))?;
                self.summary.photos += 1;
                self.photo_bytes += bytes.len() as u64;
            }
            files.push(file);
        }
        Ok(files)
    }

    fn finish(mut self, truth: &mut Truth) -> Result<(AcquirerSummary, u64), Error> {
        while !self.pending.is_empty() {
            self.write_one(truth)?;
        }
        match self.sink {
            Sink::Jsonl(mut w) => w.flush().map_err(Error::io(&self.dir))?,
            Sink::Csv {
                mut merchants,
                mut terminals,
            } => {
                merchants.flush().map_err(Error::io(&self.dir))?;
                terminals.flush().map_err(Error::io(&self.dir))?;
            }
        }
        self.locations.flush().map_err(Error::io(&self.dir))?;
        Ok((self.summary, self.photo_bytes))
    }
}

/// Every output file of a run.
pub(crate) struct Output {
    dir: PathBuf,
    batches: Vec<Batch>,
    blacklist: BufWriter<File>,
    blacklist_lines: usize,
}

impl Output {
    pub(crate) fn create(
        dir: &Path,
        acquirers: usize,
        seed: u64,
        photos: bool,
    ) -> Result<Output, Error> {
        let locations = dir.join("terminal_locations");
        fs::create_dir_all(&locations).map_err(Error::io(&locations))?;
        let batches = (0..acquirers)
            .map(|i| Batch::new(dir, i, seed, photos))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Output {
            dir: dir.to_owned(),
            batches,
            blacklist: create(&dir.join("blacklist.jsonl"))?,
            blacklist_lines: 0,
        })
    }

    /// Writes a unit's blacklist entries and location reports, queues its
    /// merchants, and moves its cases into the truth.
    pub(crate) fn accept(&mut self, unit: Unit, truth: &mut Truth) -> Result<(), Error> {
        let first_line = self.blacklist_lines + 1;
        for entry in &unit.blacklist {
            self.blacklist_entry(entry)?;
        }
        for mut case in unit.cases {
            case.blacklist_entry = case.blacklist_entry.map(|i| first_line + i);
            truth.cases.push(case);
        }
        truth.hard_negatives.extend(unit.hard_negatives);
        for (acquirer, report) in &unit.reports {
            let batch = &mut self.batches[*acquirer];
            serde_json::to_writer(&mut batch.locations, report)?;
            batch
                .locations
                .write_all(b"\n")
                .map_err(Error::io(&self.dir))?;
            batch.summary.location_reports += 1;
        }
        for (m, defect) in unit.merchants {
            self.batches[m.acquirer].push(m, defect, truth)?;
        }
        Ok(())
    }

    pub(crate) fn blacklist_entry(&mut self, entry: &BlacklistEntry) -> Result<(), Error> {
        serde_json::to_writer(&mut self.blacklist, entry)?;
        self.blacklist
            .write_all(b"\n")
            .map_err(Error::io(&self.dir))?;
        self.blacklist_lines += 1;
        Ok(())
    }

    /// Drains the buffers, closes every file and writes `truth.json`.
    pub(crate) fn finish(self, mut truth: Truth, summary: &mut Summary) -> Result<(), Error> {
        let mut photo_bytes = 0;
        let mut files = Vec::new();
        for batch in self.batches {
            let code = batch.summary.code.clone();
            let format = batch.profile.format;
            let (s, bytes) = batch.finish(&mut truth)?;
            photo_bytes += bytes;
            summary.photos += s.photos;
            summary.acquirers.push(s);
            let dir = PathBuf::from(&code);
            match format {
                Format::Jsonl => files.push(dir.join("merchants.jsonl")),
                Format::Csv => {
                    files.push(dir.join("merchants.csv"));
                    files.push(dir.join("terminals.csv"));
                }
            }
            files.push(PathBuf::from("terminal_locations").join(format!("{code}.jsonl")));
        }
        let mut blacklist = self.blacklist;
        blacklist.flush().map_err(Error::io(&self.dir))?;
        summary.blacklist_entries = self.blacklist_lines;

        truth.invalid_rows.sort();
        for case in &truth.cases {
            let key = match &case.subtype {
                Some(sub) => format!("{}/{sub}", case.case_type),
                None => case.case_type.clone(),
            };
            *summary.cases.entry(key).or_default() += 1;
        }
        for group in &truth.hard_negatives {
            *summary
                .hard_negatives
                .entry(group.kind.clone())
                .or_default() += 1;
        }
        let path = self.dir.join("truth.json");
        let mut w = create(&path)?;
        serde_json::to_writer_pretty(&mut w, &truth)?;
        w.write_all(b"\n").map_err(Error::io(&path))?;
        w.flush().map_err(Error::io(&path))?;
        files.push(PathBuf::from("blacklist.jsonl"));
        files.push(PathBuf::from("truth.json"));

        summary.bytes = photo_bytes;
        for file in &files {
            let path = self.dir.join(file);
            summary.bytes += fs::metadata(&path).map_err(Error::io(&path))?.len();
        }
        summary.files = files;
        Ok(())
    }
}
