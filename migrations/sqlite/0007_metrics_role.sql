-- The `metrics` role: keys that read GET /metrics and nothing else. The
-- role column's CHECK lists the roles, and SQLite cannot alter a CHECK, so
-- the table is rebuilt with the same columns and copied over. No table
-- refers to api_keys and it has no indexes of its own besides its UNIQUE
-- key_id, so dropping the old one loses nothing. The PostgreSQL migration
-- beside this one alters the constraint in place.

CREATE TABLE api_keys_new (
    id            INTEGER PRIMARY KEY,
    key_id        TEXT NOT NULL UNIQUE,   -- public part of the key, shown in lists and logs
    secret_sha256 TEXT NOT NULL,          -- SHA-256 of the whole key; the key itself is never stored
    role          TEXT NOT NULL CHECK (role IN ('acquirer', 'analyst', 'admin', 'subscriber', 'metrics')),
    acquirer      TEXT,                   -- set exactly when role = 'acquirer'
    label         TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    revoked_at    TEXT,
    revoked_by    TEXT,
    expires_at    TEXT,
    replaced_by   TEXT,
    CHECK ((role = 'acquirer') = (acquirer IS NOT NULL))
);

INSERT INTO api_keys_new
    (id, key_id, secret_sha256, role, acquirer, label, created_at, created_by,
     revoked_at, revoked_by, expires_at, replaced_by)
SELECT id, key_id, secret_sha256, role, acquirer, label, created_at, created_by,
       revoked_at, revoked_by, expires_at, replaced_by
FROM api_keys;

DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
