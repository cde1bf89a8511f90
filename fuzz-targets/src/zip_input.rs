//! The input of `batch_zip`: a zip archive, or a script of entries that is
//! built into one.
//!
//! Mutating a raw archive mostly breaks its CRCs and offsets, so the fuzzer
//! would rarely get past the zip reader to the batch inside it. Input that
//! does not start with a zip signature is therefore read as entries, each
//! `<method><name>\n<content>`, separated by [`SEPARATOR`]; `<method>` is
//! `S` (stored), `D` (deflated) or `L` (a symlink to `<content>`). The
//! resulting archive is always well formed, so mutations reach entry names,
//! the batch prefix, the merchants file and the photos. Raw archives (seeds
//! that start with `PK`) still exercise the reader itself.

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

/// Between two entries of the script form.
pub const SEPARATOR: &[u8] = b"\n--mhub-entry--\n";

/// The archive for `data`.
pub fn build(data: &[u8]) -> Vec<u8> {
    if data.starts_with(b"PK") {
        return data.to_vec();
    }
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in split(data) {
        let Some((&method, rest)) = entry.split_first() else {
            continue;
        };
        let (name, content) = match rest.iter().position(|b| *b == b'\n') {
            Some(end) => (&rest[..end], &rest[end + 1..]),
            None => (rest, &[][..]),
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let options = SimpleFileOptions::default().compression_method(match method {
            b'D' => CompressionMethod::Deflated,
            _ => CompressionMethod::Stored,
        });
        // The writer refuses some names (duplicates, for one); such an entry
        // is simply not in the archive.
        let _ = if method == b'L' {
            writer.add_symlink(name, String::from_utf8_lossy(content), options)
        } else {
            writer
                .start_file(name, options)
                .and_then(|()| writer.write_all(content).map_err(Into::into))
        };
    }
    writer.finish().map(Cursor::into_inner).unwrap_or_default()
}

fn split(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        match data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                let entry = &data[..at];
                data = &data[at + SEPARATOR.len()..];
                Some(entry)
            }
            None => Some(std::mem::take(&mut data)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_becomes_an_archive_with_its_entries() {
        let script = [
            &b"Smerchants.jsonl\n{}\n"[..],
            b"Dphotos/a.jpg\nnot a photo",
        ]
        .join(SEPARATOR);
        let archive = build(&script);
        let mut zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
        assert_eq!(zip.len(), 2);
        assert_eq!(
            zip.by_index(1).unwrap().compression(),
            CompressionMethod::Deflated
        );
    }

    #[test]
    fn raw_archives_pass_through() {
        assert_eq!(build(b"PK\x03\x04junk"), b"PK\x03\x04junk");
    }
}
