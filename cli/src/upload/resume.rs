//! The small state file that lets a split upload resume where it stopped.
//!
//! Re-sending a chunk is already safe (the hub answers identical bytes with
//! the stored result), but a 1,000,000-row file should not be sent again
//! to learn that. So after each acknowledged chunk the uploader records its
//! index and batch id in `PATH.mhub-upload.json`, or in the temp directory
//! when PATH's folder is read-only. The state is keyed by the file's
//! SHA-256, the chunk size, the hub and the acquirer: change any of them and
//! the old state is ignored. It is deleted when every chunk is done.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// What identifies one split upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadKey {
    /// SHA-256 of the whole file.
    pub file_sha256: String,
    /// Rows per chunk: another value cuts other chunks.
    pub rows_per_batch: u64,
    /// The hub's base URL.
    pub hub: String,
    /// The acquirer the batches belong to.
    pub acquirer: String,
}

/// Completed chunks of one split upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResumeState {
    /// Which upload this is.
    #[serde(flatten)]
    pub key: UploadKey,
    /// Chunk index → batch id of every acknowledged chunk.
    pub done: BTreeMap<usize, i64>,
    /// Where the state is kept; decided on first save.
    #[serde(skip)]
    location: Option<PathBuf>,
}

impl ResumeState {
    /// The saved state of this upload of `file`, or a fresh one.
    pub fn load(file: &Path, key: UploadKey) -> ResumeState {
        for location in candidates(file, &key.file_sha256) {
            let Ok(text) = std::fs::read_to_string(&location) else {
                continue;
            };
            match serde_json::from_str::<ResumeState>(&text) {
                Ok(state) if state.key == key => {
                    return ResumeState {
                        location: Some(location),
                        ..state
                    };
                }
                // Another file version, chunk size, hub or acquirer: start afresh.
                Ok(_) => {}
                Err(error) => eprintln!(
                    "warning: ignoring unreadable upload state {}: {error}",
                    location.display()
                ),
            }
        }
        ResumeState {
            key,
            done: BTreeMap::new(),
            location: None,
        }
    }

    /// The batch id of a chunk acknowledged by an earlier run.
    pub fn batch_of(&self, chunk: usize) -> Option<i64> {
        self.done.get(&chunk).copied()
    }

    /// Record an acknowledged chunk and save.
    pub fn record(&mut self, file: &Path, chunk: usize, batch_id: i64) -> anyhow::Result<()> {
        self.done.insert(chunk, batch_id);
        let text = serde_json::to_string_pretty(self)?;
        if let Some(location) = &self.location {
            return write_atomically(location, &text)
                .with_context(|| format!("saving upload state to {}", location.display()));
        }
        let mut last_error = None;
        for location in candidates(file, &self.key.file_sha256) {
            match write_atomically(&location, &text) {
                Ok(()) => {
                    self.location = Some(location);
                    return Ok(());
                }
                Err(error) => last_error = Some((location, error)),
            }
        }
        let (location, error) = last_error.expect("there are two candidate locations");
        Err(error).with_context(|| format!("saving upload state to {}", location.display()))
    }

    /// Forget the upload: every chunk is done.
    pub fn finish(self) -> anyhow::Result<()> {
        if let Some(location) = self.location {
            match std::fs::remove_file(&location) {
                Err(error) if error.kind() != ErrorKind::NotFound => {
                    return Err(error)
                        .with_context(|| format!("removing upload state {}", location.display()));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Beside the file first, then the temp directory.
fn candidates(file: &Path, sha256: &str) -> [PathBuf; 2] {
    let mut beside = file.as_os_str().to_owned();
    beside.push(".mhub-upload.json");
    [
        PathBuf::from(beside),
        std::env::temp_dir().join(format!(
            "mhub-upload-{}.json",
            &sha256[..16.min(sha256.len())]
        )),
    ]
}

/// Write to a sibling temp file, then rename: a crash leaves the old state or the new.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sha: &str) -> UploadKey {
        UploadKey {
            file_sha256: sha.repeat(64),
            rows_per_batch: 10,
            hub: "http://127.0.0.1:1/".into(),
            acquirer: "ACQ01".into(),
        }
    }

    #[test]
    fn a_saved_state_is_found_again_and_removed_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("merchants.jsonl");
        let mut state = ResumeState::load(&file, key("a"));
        state.record(&file, 0, 41).unwrap();
        state.record(&file, 1, 42).unwrap();
        assert!(dir.path().join("merchants.jsonl.mhub-upload.json").exists());

        let again = ResumeState::load(&file, key("a"));
        assert_eq!(again.batch_of(1), Some(42));
        assert_eq!(again.batch_of(2), None);
        again.finish().unwrap();
        assert!(!dir.path().join("merchants.jsonl.mhub-upload.json").exists());
    }

    #[test]
    fn the_state_of_another_file_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("merchants.jsonl");
        let mut state = ResumeState::load(&file, key("a"));
        state.record(&file, 0, 41).unwrap();
        assert_eq!(ResumeState::load(&file, key("b")).batch_of(0), None);
    }
}
