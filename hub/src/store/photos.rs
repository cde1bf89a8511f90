//! Photo metadata; the bytes live in the photo folder, named by content hash.

use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows};
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
    /// Record photos once each; a second merchant with the same bytes
    /// shares the row. Several rows per statement.
    pub async fn insert_photos(
        &mut self,
        photos: &[&PhotoMeta],
        now: &str,
    ) -> Result<(), StoreError> {
        const COLUMNS: usize = 6;
        for chunk in photos.chunks(MAX_INSERT_PARAMS / COLUMNS) {
            let sql = format!(
                "INSERT INTO photos (sha256, format, width, height, bytes, created_at) \
                 VALUES {} ON CONFLICT (sha256) DO NOTHING",
                rows(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for photo in chunk {
                query = query
                    .bind(&photo.sha256)
                    .bind(&photo.format)
                    .bind(i64::from(photo.width))
                    .bind(i64::from(photo.height))
                    .bind(photo.bytes as i64)
                    .bind(now);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }
}
