-- Foundation schema: API keys, batches with their row errors, merchants with
-- every version kept, terminals and photos. SQLite flavour; the PostgreSQL
-- file beside this one must describe the same tables and columns.
--
-- Conventions shared by both backends (the hub uses runtime queries through
-- sqlx's Any driver, so column types must decode the same way on both):
--   * integer columns are 64-bit (INTEGER here, BIGINT there);
--   * booleans are integers 0/1;
--   * timestamps are RFC 3339 UTC text with milliseconds, which sort correctly as text;
--   * structured values are JSON text.
-- No column ever holds a raw identity, phone or account number: only tokens
-- (HMAC-SHA256, hex) and masked forms (SPEC §4).

CREATE TABLE api_keys (
    id            INTEGER PRIMARY KEY,
    key_id        TEXT NOT NULL UNIQUE,   -- public part of the key, shown in lists and logs
    secret_sha256 TEXT NOT NULL,          -- SHA-256 of the whole key; the key itself is never stored
    role          TEXT NOT NULL CHECK (role IN ('acquirer', 'analyst', 'admin', 'subscriber')),
    acquirer      TEXT,                   -- set exactly when role = 'acquirer'
    label         TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT,
    revoked_by    TEXT,
    CHECK ((role = 'acquirer') = (acquirer IS NOT NULL))
);

CREATE TABLE batches (
    id             INTEGER PRIMARY KEY,
    acquirer       TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,         -- of the uploaded bytes: the idempotency key with the acquirer
    format         TEXT NOT NULL,
    all_or_nothing INTEGER NOT NULL,
    submitted_by   TEXT NOT NULL,         -- key_id
    received_at    TEXT NOT NULL,
    completed_at   TEXT NOT NULL,
    rows_total     INTEGER NOT NULL,
    accepted       INTEGER NOT NULL,
    rejected       INTEGER NOT NULL,
    created        INTEGER NOT NULL,
    updated        INTEGER NOT NULL,
    unchanged      INTEGER NOT NULL,
    error_count    INTEGER NOT NULL,
    warning_count  INTEGER NOT NULL,
    result         TEXT NOT NULL,         -- the JSON batch result returned to the uploader
    UNIQUE (acquirer, content_sha256)
);

CREATE TABLE batch_issues (
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    seq         INTEGER NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    line        INTEGER NOT NULL,
    merchant_id TEXT,
    field       TEXT,
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE TABLE merchants (
    id                 INTEGER PRIMARY KEY,
    acquirer           TEXT NOT NULL,
    merchant_id        TEXT NOT NULL,
    version            INTEGER NOT NULL,   -- current version number, 1-based
    record_sha256      TEXT NOT NULL,      -- of the current normalised record: unchanged rows add no version
    batch_id           INTEGER NOT NULL REFERENCES batches (id),
    name               TEXT NOT NULL,
    uscc               TEXT,
    mcc                TEXT NOT NULL,
    region_code        TEXT,
    status             TEXT NOT NULL,
    legal_rep_name     TEXT NOT NULL,
    legal_rep_id_token TEXT NOT NULL,
    legal_rep_id_masked TEXT NOT NULL,
    legal_rep_phone_token TEXT,
    legal_rep_phone_masked TEXT,
    contact_phone_token   TEXT,
    contact_phone_masked  TEXT,
    account_token      TEXT NOT NULL,
    account_masked     TEXT NOT NULL,
    account_kind       TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    UNIQUE (acquirer, merchant_id)
);
CREATE INDEX merchants_legal_rep_id ON merchants (legal_rep_id_token);
CREATE INDEX merchants_legal_rep_phone ON merchants (legal_rep_phone_token);
CREATE INDEX merchants_contact_phone ON merchants (contact_phone_token);
CREATE INDEX merchants_account ON merchants (account_token);
CREATE INDEX merchants_uscc ON merchants (uscc);

CREATE TABLE merchant_versions (
    merchant_pk   INTEGER NOT NULL REFERENCES merchants (id),
    version       INTEGER NOT NULL,
    batch_id      INTEGER NOT NULL REFERENCES batches (id),
    record_sha256 TEXT NOT NULL,
    record        TEXT NOT NULL,           -- matcher::MerchantRecord as JSON (tokens and masks only)
    created_at    TEXT NOT NULL,
    PRIMARY KEY (merchant_pk, version)
);

CREATE TABLE terminals (
    merchant_pk INTEGER NOT NULL REFERENCES merchants (id),
    terminal_id TEXT NOT NULL,
    sn          TEXT,
    sn_key      TEXT,                      -- SN folded for matching (O→0, I→1)
    vendor      TEXT,
    model       TEXT,
    lat         REAL,
    lng         REAL,
    PRIMARY KEY (merchant_pk, terminal_id)
);
CREATE INDEX terminals_sn_key ON terminals (sn_key);

CREATE TABLE photos (
    sha256     TEXT PRIMARY KEY,           -- content hash; the file is photos/<aa>/<sha256>
    format     TEXT NOT NULL,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    bytes      INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE merchant_photos (
    merchant_pk INTEGER NOT NULL REFERENCES merchants (id),
    kind        TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES photos (sha256),
    PRIMARY KEY (merchant_pk, kind, sha256)
);
