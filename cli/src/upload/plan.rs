//! What `mhub upload PATH` will send, decided from PATH before any byte is read.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::args::UploadArgs;

/// The batch content types the hub accepts.
pub const JSONL: &str = "application/x-ndjson";
/// `merchants.csv` alone.
pub const CSV: &str = "text/csv";
/// A zip with a merchants file and `photos/`.
pub const ZIP: &str = "application/zip";

/// A validated upload: the source and how to send it.
#[derive(Debug, Clone)]
pub struct Plan {
    /// What PATH turned out to be.
    pub source: Source,
    /// Ask the hub to refuse a batch with any bad row.
    pub all_or_nothing: bool,
    /// Rows per batch when a JSONL file is split.
    pub rows_per_batch: u64,
}

/// The forms PATH may take.
#[derive(Debug, Clone)]
pub enum Source {
    /// A JSONL file: sent whole, or split into batches of `rows_per_batch` rows.
    Jsonl(PathBuf),
    /// A single file sent as it is (`merchants.csv`, a `.zip`).
    File {
        /// The file.
        path: PathBuf,
        /// Its content type.
        content_type: &'static str,
    },
    /// A batch folder that needs zipping (terminals.csv or photos/ beside the merchants file).
    Folder(Folder),
}

/// The parts of a batch folder.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The folder.
    pub root: PathBuf,
    /// `merchants.jsonl` or `merchants.csv`.
    pub merchants: PathBuf,
    /// `terminals.csv`, if present.
    pub terminals: Option<PathBuf>,
    /// `photos/`, if present.
    pub photos: Option<PathBuf>,
}

impl Plan {
    /// Look at PATH and decide how to send it.
    pub fn new(args: &UploadArgs) -> anyhow::Result<Plan> {
        Ok(Plan {
            source: Source::of(&args.path)?,
            all_or_nothing: args.all_or_nothing,
            rows_per_batch: args.rows_per_batch,
        })
    }
}

impl Source {
    /// Classify `path` by kind and extension.
    pub fn of(path: &Path) -> anyhow::Result<Source> {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            return Folder::of(path).map(Folder::into_source);
        }
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        Ok(match extension.as_deref() {
            Some("jsonl" | "ndjson" | "json") => Source::Jsonl(path.to_owned()),
            Some("csv") => Source::File {
                path: path.to_owned(),
                content_type: CSV,
            },
            Some("zip") => Source::File {
                path: path.to_owned(),
                content_type: ZIP,
            },
            _ => bail!(
                "cannot tell the batch format of {}: name it .jsonl, .csv or .zip, or give a batch folder",
                path.display()
            ),
        })
    }

    /// The file or folder this source reads.
    pub fn path(&self) -> &Path {
        match self {
            Source::Jsonl(path) | Source::File { path, .. } => path,
            Source::Folder(folder) => &folder.root,
        }
    }
}

impl Folder {
    /// Find the batch files in `root`.
    pub fn of(root: &Path) -> anyhow::Result<Folder> {
        let existing = |name: &str| {
            let path = root.join(name);
            path.exists().then_some(path)
        };
        let merchants = match (existing("merchants.jsonl"), existing("merchants.csv")) {
            (Some(jsonl), None) => jsonl,
            (None, Some(csv)) => csv,
            (Some(_), Some(_)) => bail!(
                "{} holds both merchants.jsonl and merchants.csv: a batch has one merchants file",
                root.display()
            ),
            (None, None) => bail!(
                "{} holds neither merchants.jsonl nor merchants.csv",
                root.display()
            ),
        };
        Ok(Folder {
            root: root.to_owned(),
            merchants,
            terminals: existing("terminals.csv"),
            photos: existing("photos").filter(|p| p.is_dir()),
        })
    }

    /// A folder with nothing beside its merchants file is sent as that file,
    /// so a large JSONL file can still be split; anything else is zipped.
    fn into_source(self) -> Source {
        if self.terminals.is_some() || self.photos.is_some() {
            return Source::Folder(self);
        }
        if self.merchants.extension().is_some_and(|e| e == "jsonl") {
            Source::Jsonl(self.merchants)
        } else {
            Source::File {
                path: self.merchants,
                content_type: CSV,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_with_only_a_jsonl_file_is_sent_as_that_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("merchants.jsonl"), "{}\n").unwrap();
        let source = Source::of(dir.path()).unwrap();
        assert!(matches!(source, Source::Jsonl(path) if path.ends_with("merchants.jsonl")));
    }

    #[test]
    fn a_folder_with_photos_is_zipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("merchants.csv"), "merchant_id\n").unwrap();
        std::fs::create_dir(dir.path().join("photos")).unwrap();
        assert!(matches!(Source::of(dir.path()).unwrap(), Source::Folder(_)));
    }

    #[test]
    fn an_unknown_extension_is_refused_with_the_accepted_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("merchants.txt");
        std::fs::write(&path, "").unwrap();
        let error = Source::of(&path).unwrap_err().to_string();
        assert!(error.contains(".jsonl, .csv or .zip"), "{error}");
    }
}
