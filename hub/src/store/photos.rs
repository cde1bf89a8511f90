//! Photo metadata and near-duplicate pairs; the bytes live in the photo
//! folder, named by content hash.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::alerts::{MEMBER_COLUMNS, member_row};
use super::in_list::{MAX_INSERT_PARAMS, for_backend, rows, rows_in};
use super::{MemberRow, Store, StoreError, WriteTx};

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
    /// 64-bit perceptual hash, to search near-duplicates by.
    pub search_hash: matcher::PhotoHash,
    /// 48×48 grey thumbnail, to confirm them with.
    pub thumbnail: matcher::Thumbnail,
    /// EXIF GPS (WGS-84).
    pub gps: Option<matcher::Coordinates>,
    /// EXIF capture time.
    pub taken_at: Option<String>,
}

/// A stored photo's search hash, for the in-memory band index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoHashes {
    /// Content hash.
    pub sha256: String,
    /// Search hash.
    pub search_hash: matcher::PhotoHash,
}

/// A verified near-duplicate pair of distinct photos.
#[derive(Debug, Clone, PartialEq)]
pub struct PhotoPair {
    /// The smaller content hash.
    pub left_sha: String,
    /// The larger.
    pub right_sha: String,
    /// Search-hash distance (bits of 64).
    pub search_bits: i64,
    /// Thumbnail correlation, −1 to 1.
    pub similarity: f64,
}

/// A merchant holding a photo, as detection reads it.
#[derive(Debug, Clone)]
pub struct PhotoHolder {
    /// The photo.
    pub sha256: String,
    /// What it shows.
    pub kind: String,
    /// The merchant.
    pub member: MemberRow,
}

fn hashes_row(row: &AnyRow) -> Result<Option<PhotoHashes>, sqlx::Error> {
    let search: Option<i64> = row.try_get("search_hash")?;
    // Photos stored before hashing existed have none: they cannot be searched.
    let Some(search) = search else {
        return Ok(None);
    };
    Ok(Some(PhotoHashes {
        sha256: row.try_get("sha256")?,
        search_hash: matcher::PhotoHash(search as u64),
    }))
}

fn thumbnails(rows: &[AnyRow]) -> Result<Vec<(String, matcher::Thumbnail)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let bytes: Option<Vec<u8>> = row.try_get("thumbnail")?;
        if let Some(thumbnail) = bytes.and_then(matcher::Thumbnail::from_bytes) {
            out.push((row.try_get("sha256")?, thumbnail));
        }
    }
    Ok(out)
}

fn pair_row(row: &AnyRow) -> Result<PhotoPair, sqlx::Error> {
    Ok(PhotoPair {
        left_sha: row.try_get("left_sha")?,
        right_sha: row.try_get("right_sha")?,
        search_bits: row.try_get("search_bits")?,
        similarity: row.try_get("similarity")?,
    })
}

impl WriteTx {
    /// Record photos once each; a second merchant with the same bytes
    /// shares the row. Several rows per statement.
    pub async fn insert_photos(
        &mut self,
        photos: &[&PhotoMeta],
        now: &str,
    ) -> Result<(), StoreError> {
        const COLUMNS: usize = 11;
        for chunk in photos.chunks(MAX_INSERT_PARAMS / COLUMNS) {
            let sql = format!(
                "INSERT INTO photos (sha256, format, width, height, bytes, created_at, search_hash, \
                 thumbnail, exif_lat, exif_lng, taken_at) VALUES {} ON CONFLICT (sha256) DO NOTHING",
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
                    .bind(now)
                    .bind(photo.search_hash.0 as i64)
                    .bind(photo.thumbnail.as_bytes().to_vec())
                    .bind(photo.gps.map(|g| g.lat))
                    .bind(photo.gps.map(|g| g.lng))
                    .bind(&photo.taken_at);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Record verified near-duplicate pairs (a pair already stored keeps
    /// its row).
    pub async fn insert_photo_pairs(&mut self, pairs: &[PhotoPair]) -> Result<(), StoreError> {
        const COLUMNS: usize = 4;
        for chunk in pairs.chunks(MAX_INSERT_PARAMS / COLUMNS) {
            let sql = format!(
                "INSERT INTO photo_pairs (left_sha, right_sha, search_bits, similarity) VALUES {} \
                 ON CONFLICT (left_sha, right_sha) DO NOTHING",
                rows(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(for_backend(&sql, self.backend));
            for pair in chunk {
                query = query
                    .bind(&pair.left_sha)
                    .bind(&pair.right_sha)
                    .bind(pair.search_bits)
                    .bind(pair.similarity);
            }
            query.execute(self.conn()).await?;
        }
        Ok(())
    }

    /// Remove every near-duplicate pair (for a rebuild).
    pub async fn clear_photo_pairs(&mut self) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM photo_pairs")
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The near-duplicate pairs touching any of these photos.
    pub async fn photo_pairs_touching(
        &mut self,
        shas: &[String],
    ) -> Result<Vec<PhotoPair>, StoreError> {
        let mut pairs = Vec::new();
        for column in ["left_sha", "right_sha"] {
            let prefix = format!(
                "SELECT left_sha, right_sha, search_bits, similarity FROM photo_pairs WHERE {column} IN ("
            );
            let (conn, backend) = self.conn_for_lists();
            for row in rows_in(conn, backend, &prefix, &[], shas).await? {
                pairs.push(pair_row(&row)?);
            }
        }
        pairs.sort_by(|a, b| (&a.left_sha, &a.right_sha).cmp(&(&b.left_sha, &b.right_sha)));
        pairs.dedup();
        Ok(pairs)
    }

    /// The merchants holding any of these photos, with the photo and its kind.
    pub async fn photo_holders(&mut self, shas: &[String]) -> Result<Vec<PhotoHolder>, StoreError> {
        let prefix = format!(
            "SELECT mp.sha256 AS photo_sha, mp.kind AS photo_kind, {MEMBER_COLUMNS} \
             FROM merchant_photos mp JOIN merchants m ON m.id = mp.merchant_pk WHERE mp.sha256 IN ("
        );
        let (conn, backend) = self.conn_for_lists();
        rows_in(conn, backend, &prefix, &[], shas)
            .await?
            .iter()
            .map(|row| {
                Ok(PhotoHolder {
                    sha256: row.try_get("photo_sha")?,
                    kind: row.try_get("photo_kind")?,
                    member: member_row(row)?,
                })
            })
            .collect()
    }

    /// The thumbnails of these photos (those that have one).
    pub async fn photo_thumbnails(
        &mut self,
        shas: &[String],
    ) -> Result<Vec<(String, matcher::Thumbnail)>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        let rows = rows_in(
            conn,
            backend,
            "SELECT sha256, thumbnail FROM photos WHERE sha256 IN (",
            &[],
            shas,
        )
        .await?;
        thumbnails(&rows)
    }

    /// First-stored times of these photos.
    pub async fn photo_times(
        &mut self,
        shas: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        let (conn, backend) = self.conn_for_lists();
        rows_in(
            conn,
            backend,
            "SELECT sha256, created_at FROM photos WHERE sha256 IN (",
            &[],
            shas,
        )
        .await?
        .iter()
        .map(|row| Ok((row.try_get("sha256")?, row.try_get("created_at")?)))
        .collect()
    }
}

impl Store {
    /// A page of stored photos' hashes in content-hash order, after `after`
    /// (for loading the band index).
    pub async fn photo_hashes_page(
        &self,
        after: &str,
        limit: i64,
    ) -> Result<Vec<PhotoHashes>, StoreError> {
        // Photos stored before hashing existed have no hashes: they cannot
        // be searched, and are left out.
        let rows = sqlx::query(
            "SELECT sha256, search_hash FROM photos \
             WHERE sha256 > $1 AND search_hash IS NOT NULL ORDER BY sha256 LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(hashes_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    /// The hashes of the photos held by merchants a batch after `batch`
    /// wrote (for catching up with other hubs' batches).
    pub async fn photo_hashes_since(&self, batch: i64) -> Result<Vec<PhotoHashes>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.sha256, p.search_hash FROM photos p \
             JOIN merchant_photos mp ON mp.sha256 = p.sha256 \
             JOIN merchants m ON m.id = mp.merchant_pk \
             WHERE m.batch_id > $1 AND p.search_hash IS NOT NULL",
        )
        .bind(batch)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(hashes_row)
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect())
    }

    /// Whether a photo belongs to a merchant of `acquirer`, or is evidence
    /// in an alert one of its merchants is a member of.
    pub async fn photo_visible_to(&self, sha256: &str, acquirer: &str) -> Result<bool, StoreError> {
        let own = sqlx::query(
            "SELECT 1 AS yes FROM merchant_photos mp JOIN merchants m ON m.id = mp.merchant_pk \
             WHERE mp.sha256 = $1 AND m.acquirer = $2 LIMIT 1",
        )
        .bind(sha256)
        .bind(acquirer)
        .fetch_optional(&self.pool)
        .await?;
        if own.is_some() {
            return Ok(true);
        }
        let pattern = format!("%{sha256}%");
        let evidence = sqlx::query(
            "SELECT 1 AS yes FROM alerts a JOIN alert_members am ON am.alert_id = a.id \
             WHERE a.type = 'shared_photo' AND am.acquirer = $1 AND a.evidence LIKE $2 LIMIT 1",
        )
        .bind(acquirer)
        .bind(pattern)
        .fetch_optional(&self.pool)
        .await?;
        Ok(evidence.is_some())
    }
}
