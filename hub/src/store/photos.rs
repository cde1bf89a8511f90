//! Photo metadata; the bytes live in the photo folder, named by content hash.

use super::{StoreError, WriteTx};

/// What the hub records about a stored photo.
#[derive(Debug, Clone)]
pub struct PhotoMeta {
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// `jpeg`, `png`, …
    pub format: String,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Size of the file.
    pub bytes: u64,
}

impl WriteTx {
    /// Record a photo once; a second merchant with the same bytes shares it.
    pub async fn insert_photo(&mut self, photo: &PhotoMeta, now: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO photos (sha256, format, width, height, bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&photo.sha256)
        .bind(&photo.format)
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(photo.bytes as i64)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
