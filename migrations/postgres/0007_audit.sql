-- The audit log (SPEC §9): who read or changed what, when, from where, and
-- why. Append-only and hash-chained like the feed: each event's hash covers
-- the previous hash, and the hub signs it, so an edited, deleted or inserted
-- row breaks the chain and a rewritten tail needs the hub's signing key.
-- (On SQLite the same tables live in a file of their own: see
-- migrations/sqlite-audit.)
CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,        -- gapless from 1
    at         TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    role       TEXT NOT NULL,
    acquirer   TEXT,                      -- the acting key's acquirer
    remote     TEXT,                      -- peer IP address
    purpose    TEXT,                      -- onboarding | periodic_review | investigation
    action     TEXT NOT NULL,             -- merchant.read, search, screen, blacklist.approve …
    target     TEXT NOT NULL,             -- what was read or changed (ids, never sensitive values)
    status     BIGINT NOT NULL,           -- the HTTP status answered
    code       TEXT,                      -- the error code of a refusal
    detail     TEXT NOT NULL,             -- canonical JSON object: masked query, counts …
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,             -- SHA-256(prev_hash ‖ canonical event), hex
    signature  TEXT NOT NULL              -- Ed25519 over "mhub-audit-v1" ‖ hash, by the hub key
);
CREATE INDEX audit_events_key ON audit_events (key_id, seq);
CREATE INDEX audit_events_acquirer ON audit_events (acquirer, seq);
CREATE INDEX audit_events_at ON audit_events (at);

-- The last seq and hash in one row, whose lock serialises appends (as
-- feed_head does), so two hubs on one PostgreSQL never write the same seq.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
