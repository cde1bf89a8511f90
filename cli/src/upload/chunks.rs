//! Cutting a large JSONL file into batches.
//!
//! The cut is a pure function of the file's bytes and the row count per
//! batch: a chunk holds `rows_per_batch` rows (non-blank lines), and a new
//! chunk starts at the line holding the next row. Re-running an interrupted
//! upload therefore sends byte-identical chunks, which the hub recognises
//! and answers with the stored result instead of ingesting them again.
//! The chunks concatenate back to the file exactly.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

/// One batch's slice of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Position among the chunks, from 0.
    pub index: usize,
    /// Byte offset of its first byte.
    pub start: u64,
    /// Byte offset just past its last byte.
    pub end: u64,
    /// 1-based line number, in the file, of its first line.
    pub first_line: u64,
    /// Rows (non-blank lines) it holds.
    pub rows: u64,
}

/// A JSONL file, hashed and cut.
#[derive(Debug, Clone)]
pub struct Layout {
    /// SHA-256 of the whole file, hex: the key of its resume state.
    pub sha256: String,
    /// Rows in the file.
    pub rows: u64,
    /// The chunks, in file order; at least one.
    pub chunks: Vec<Chunk>,
}

/// Hash `path` and cut it into chunks of `rows_per_batch` rows, in one pass.
pub fn layout(path: &Path, rows_per_batch: u64) -> io::Result<Layout> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut hasher = Sha256::new();
    let mut chunks = Vec::new();
    let mut current = Chunk {
        index: 0,
        start: 0,
        end: 0,
        first_line: 1,
        rows: 0,
    };
    let (mut offset, mut line, mut rows) = (0u64, 0u64, 0u64);
    let mut buf = Vec::with_capacity(4096);
    loop {
        buf.clear();
        let read = reader.read_until(b'\n', &mut buf)?;
        if read == 0 {
            break;
        }
        hasher.update(&buf);
        line += 1;
        if !is_blank(&buf) {
            if current.rows == rows_per_batch {
                current.end = offset;
                chunks.push(current);
                current = Chunk {
                    index: chunks.len(),
                    start: offset,
                    end: offset,
                    first_line: line,
                    rows: 0,
                };
            }
            current.rows += 1;
            rows += 1;
        }
        offset += read as u64;
    }
    current.end = offset;
    chunks.push(current);
    Ok(Layout {
        sha256: hex::encode(hasher.finalize()),
        rows,
        chunks,
    })
}

/// Read one chunk's bytes.
pub fn read(path: &Path, chunk: &Chunk) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(chunk.start))?;
    let mut bytes = Vec::with_capacity((chunk.end - chunk.start) as usize);
    file.take(chunk.end - chunk.start).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != chunk.end - chunk.start {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the file got shorter while it was being uploaded",
        ));
    }
    Ok(bytes)
}

/// Whether a line holds no row, as the hub sees it (whitespace only).
fn is_blank(line: &[u8]) -> bool {
    match std::str::from_utf8(line) {
        Ok(text) => text.trim_start_matches('\u{feff}').trim().is_empty(),
        // Not UTF-8: a row the hub will report, so count it.
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(text: &str, rows_per_batch: u64) -> (Vec<Chunk>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.jsonl");
        std::fs::write(&path, text).unwrap();
        let layout = layout(&path, rows_per_batch).unwrap();
        let parts = layout
            .chunks
            .iter()
            .map(|c| String::from_utf8(read(&path, c).unwrap()).unwrap())
            .collect();
        (layout.chunks, parts)
    }

    #[test]
    fn chunks_hold_n_rows_each_and_concatenate_back_to_the_file() {
        let text = "a\nb\n\nc\nd\ne\n\n";
        let (chunks, parts) = cut(text, 2);
        assert_eq!(parts, vec!["a\nb\n\n", "c\nd\n", "e\n\n"]);
        assert_eq!(parts.concat(), text);
        let first_lines: Vec<u64> = chunks.iter().map(|c| c.first_line).collect();
        assert_eq!(first_lines, vec![1, 4, 6]);
        assert!(chunks.iter().all(|c| c.rows <= 2));
    }

    #[test]
    fn a_file_within_the_limit_is_one_chunk_of_the_whole_file() {
        let text = "a\nb\nc"; // no final newline
        let (chunks, parts) = cut(text, 3);
        assert_eq!(chunks.len(), 1);
        assert_eq!(parts, vec![text]);
        assert_eq!(chunks[0].rows, 3);
    }

    #[test]
    fn the_same_file_is_always_cut_the_same_way() {
        let text: String = (0..100).map(|i| format!("{{\"n\":{i}}}\n")).collect();
        assert_eq!(cut(&text, 7), cut(&text, 7));
    }
}
