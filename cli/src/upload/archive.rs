//! Zipping a batch folder into the hub's zip form.
//!
//! The zip is deterministic: entries in sorted order, a fixed timestamp and
//! fixed permissions. Zipping the same folder twice gives the same bytes, so
//! a repeated upload (or a second `mhub demo`) is recognised by the hub and
//! replayed instead of ingested again. Photos are already compressed
//! (JPEG, PNG) and are stored; text is deflated.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::plan::Folder;

/// A file in the temp directory, removed when dropped.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
}

impl TempFile {
    /// Create an empty file with a unique name ending in `suffix`.
    fn create(suffix: &str) -> io::Result<(TempFile, File)> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir();
        for attempt in 0..100u32 {
            let path = dir.join(format!(
                "mhub-{}-{nanos:09}-{attempt}{suffix}",
                std::process::id()
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok((TempFile { path }, file)),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary file name",
        ))
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Zip `folder` into a temporary file.
pub fn zip_folder(folder: &Folder) -> anyhow::Result<TempFile> {
    let (temp, file) = TempFile::create(".zip").context("creating a temporary zip file")?;
    let mut zip = ZipWriter::new(BufWriter::new(file));
    // Fixed time and mode: the same folder gives the same bytes.
    let base = SimpleFileOptions::default()
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let text = base.compression_method(CompressionMethod::Deflated);
    let stored = base.compression_method(CompressionMethod::Stored);

    let mut entries = vec![(
        entry_name(&folder.merchants)?,
        folder.merchants.clone(),
        text,
    )];
    if let Some(terminals) = &folder.terminals {
        entries.push(("terminals.csv".to_owned(), terminals.clone(), text));
    }
    if let Some(photos) = &folder.photos {
        for (name, path) in photo_files(photos)? {
            entries.push((format!("photos/{name}"), path, stored));
        }
    }
    for (name, path, options) in entries {
        let large = std::fs::metadata(&path)
            .with_context(|| format!("reading {}", path.display()))?
            .len()
            >= u64::from(u32::MAX);
        zip.start_file(name.as_str(), options.large_file(large))
            .with_context(|| format!("adding {name} to the zip"))?;
        let mut source =
            File::open(&path).with_context(|| format!("reading {}", path.display()))?;
        io::copy(&mut source, &mut zip).with_context(|| format!("zipping {}", path.display()))?;
    }
    let mut writer = zip.finish().context("finishing the zip")?;
    io::Write::flush(&mut writer).context("writing the zip")?;
    Ok(temp)
}

fn entry_name(path: &Path) -> anyhow::Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_owned)
        .with_context(|| format!("{} has no usable file name", path.display()))
}

/// Every regular file under `photos/`, as (`a/b.jpg`, path), sorted by name.
/// Hidden files (`.DS_Store`, editor backups) are left out.
fn photo_files(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![(String::new(), root.to_owned())];
    while let Some((prefix, dir)) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                anyhow::bail!(
                    "{} is not a UTF-8 file name: rename it",
                    entry.path().display()
                );
            };
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let relative = format!("{prefix}{name}");
            if path.is_dir() {
                pending.push((format!("{relative}/"), path));
            } else {
                files.push((relative, path));
            }
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn folder() -> (tempfile::TempDir, Folder) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("merchants.jsonl"),
            "{\"merchant_id\":\"M1\"}\n",
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("photos/M1")).unwrap();
        std::fs::write(dir.path().join("photos/M1/front.jpg"), [0xff, 0xd8, 0xff]).unwrap();
        std::fs::write(dir.path().join("photos/a.png"), [0x89, b'P']).unwrap();
        std::fs::write(dir.path().join("photos/.DS_Store"), "x").unwrap();
        let folder = Folder::of(dir.path()).unwrap();
        (dir, folder)
    }

    #[test]
    fn a_folder_zips_to_the_same_bytes_every_time() {
        let (_dir, folder) = folder();
        let first = std::fs::read(zip_folder(&folder).unwrap().path()).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let second = std::fs::read(zip_folder(&folder).unwrap().path()).unwrap();
        assert_eq!(first, second);
    }

    #[test]
    fn the_zip_holds_the_merchants_file_and_photos_with_photos_stored() {
        let (_dir, folder) = folder();
        let temp = zip_folder(&folder).unwrap();
        let mut archive = zip::ZipArchive::new(File::open(temp.path()).unwrap()).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(
            names,
            vec!["merchants.jsonl", "photos/M1/front.jpg", "photos/a.png"]
        );
        let mut photo = archive.by_name("photos/M1/front.jpg").unwrap();
        assert_eq!(photo.compression(), CompressionMethod::Stored);
        let mut bytes = Vec::new();
        photo.read_to_end(&mut bytes).unwrap();
        assert_eq!(bytes, [0xff, 0xd8, 0xff]);
    }

    #[test]
    fn the_temporary_zip_is_removed_when_dropped() {
        let (_dir, folder) = folder();
        let temp = zip_folder(&folder).unwrap();
        let path = temp.path().to_owned();
        drop(temp);
        assert!(!path.exists());
    }
}
