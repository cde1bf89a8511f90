-- Verification (SPEC §6): perceptual hashes and EXIF of photos, the
-- near-duplicate pairs found among them, and terminal location reports.

-- The 64-bit search hash is stored as a signed integer (its bits as i64);
-- the 48×48 grey thumbnail (2,304 bytes) confirms near-duplicates. EXIF GPS
-- is WGS-84. The band index over the search hashes lives in memory, loaded
-- from these columns.
ALTER TABLE photos ADD COLUMN search_hash INTEGER;
ALTER TABLE photos ADD COLUMN thumbnail BLOB;
ALTER TABLE photos ADD COLUMN exif_lat REAL;
ALTER TABLE photos ADD COLUMN exif_lng REAL;
ALTER TABLE photos ADD COLUMN taken_at TEXT;

-- Verified near-duplicate pairs of distinct photos (left < right by hash),
-- written in the batch transaction that found them.
CREATE TABLE photo_pairs (
    left_sha    TEXT NOT NULL REFERENCES photos (sha256),
    right_sha   TEXT NOT NULL REFERENCES photos (sha256),
    search_bits INTEGER NOT NULL,   -- Hamming distance of the 64-bit hashes
    similarity  REAL NOT NULL,      -- correlation of the thumbnails
    PRIMARY KEY (left_sha, right_sha),
    CHECK (left_sha < right_sha)
);
CREATE INDEX photo_pairs_right ON photo_pairs (right_sha);
CREATE INDEX merchant_photos_sha ON merchant_photos (sha256);

-- Where an acquirer saw one of its terminals (POST /v1/terminals/locations),
-- with the distance to the merchant's verified location at the time.
CREATE TABLE terminal_reports (
    id          INTEGER PRIMARY KEY,
    merchant_pk INTEGER NOT NULL REFERENCES merchants (id),
    terminal_id TEXT NOT NULL,
    lat         REAL NOT NULL,
    lng         REAL NOT NULL,
    seen_at     TEXT NOT NULL,
    distance_m  REAL NOT NULL,
    reported_at TEXT NOT NULL,
    reported_by TEXT NOT NULL      -- key id
);
-- The same sighting reported again (a retried request) is one sighting.
CREATE UNIQUE INDEX terminal_reports_sighting ON terminal_reports (merchant_pk, terminal_id, seen_at, lat, lng);
