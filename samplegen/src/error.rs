//! The generator's error type.

use std::io;
use std::path::PathBuf;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The options cannot produce a data set (e.g. no acquirers).
    #[error("invalid options: {0}")]
    Options(String),
    /// Creating or writing an output file failed.
    #[error("cannot write {path}")]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Serialising a JSON row failed.
    #[error("cannot serialise JSON")]
    Json(#[from] serde_json::Error),
    /// Writing a CSV row failed.
    #[error("cannot write CSV")]
    Csv(#[from] csv::Error),
    /// Encoding a photo failed.
    #[error("cannot encode a photo")]
    Image(#[from] image::ImageError),
    /// The run asked for more distinct identifiers of one kind than exist.
    #[error("ran out of distinct {0}; ask for fewer merchants")]
    Exhausted(&'static str),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
