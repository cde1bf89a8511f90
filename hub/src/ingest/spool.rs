//! Uploads are written to a spool file before they are read.
//!
//! Streaming the body to disk keeps memory flat whatever the batch size, lets
//! the zip reader seek, and gives the content hash (the idempotency key)
//! before any row is processed. Spool files can hold raw identifiers, so
//! they are deleted as soon as the batch is done (the `NamedTempFile` drop)
//! and any left by a crash are removed at start-up (`DataDir::prepare`).

use std::path::Path;

use bytes::Buf;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use super::IngestError;

/// An upload on disk.
pub struct Spooled {
    /// The file; deleted when dropped.
    pub file: NamedTempFile,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// Write a body stream to a new file in `dir`, refusing more than `limit`
/// bytes, and giving up on a client that sends nothing for `idle` (a slow
/// upload is fine; a stalled one would hold a connection and a spool file
/// forever).
pub async fn spool<S, B, E>(
    mut body: S,
    dir: &Path,
    limit: u64,
    idle: std::time::Duration,
) -> Result<Spooled, IngestError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: Buf,
    E: std::fmt::Display,
{
    let file = NamedTempFile::new_in(dir)?;
    let mut out = tokio::fs::File::from_std(file.reopen()?);
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    loop {
        let Ok(next) = tokio::time::timeout(idle, body.next()).await else {
            return Err(IngestError::BodyStalled {
                secs: idle.as_secs(),
            });
        };
        let Some(chunk) = next else { break };
        let mut chunk = chunk.map_err(|e| IngestError::BodyRead(e.to_string()))?;
        while chunk.has_remaining() {
            let part = chunk.chunk();
            bytes += part.len() as u64;
            if bytes > limit {
                return Err(IngestError::BodyTooLarge { limit });
            }
            hasher.update(part);
            out.write_all(part).await?;
            let n = part.len();
            chunk.advance(n);
        }
    }
    out.flush().await?;
    Ok(Spooled {
        file,
        sha256: hex::encode(hasher.finalize()),
        bytes,
    })
}
