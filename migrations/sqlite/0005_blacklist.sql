-- The blacklist (SPEC §7) and its signed feed (SPEC §8), and the screens
-- kept for retro alerts.
--
-- Nothing here is ever deleted except screens past their retention: an
-- entry moves reported → active | rejected, active → removed, and every
-- move is a row of blacklist_transitions. Identifiers are in `subject` as
-- tokens and masked forms only (matcher::ListedSubject as JSON).

CREATE TABLE blacklist_entries (
    id            INTEGER PRIMARY KEY,
    subject_type  TEXT NOT NULL,
    reason        TEXT NOT NULL,
    penalty       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('reported', 'active', 'rejected', 'removed')),
    reporter      TEXT NOT NULL,          -- acquirer code, or 'association' for analysts
    reported_by   TEXT NOT NULL,          -- key id
    external_ref  TEXT,                   -- the reporter's own reference: a re-import adds nothing
    evidence      TEXT NOT NULL,
    subject       TEXT NOT NULL,          -- JSON matcher::ListedSubject
    display_name  TEXT,                   -- subject name, for lists
    expires_at    TEXT,                   -- asked for at report time, or set at approval
    listed_at     TEXT,                   -- when it became active
    removal       TEXT,                   -- appeal_upheld | error | expired
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (reporter, external_ref)
);
CREATE INDEX blacklist_entries_status ON blacklist_entries (status, expires_at);

CREATE TABLE blacklist_transitions (
    entry_id    INTEGER NOT NULL REFERENCES blacklist_entries (id),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    from_status TEXT,                     -- NULL for the report itself
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,            -- key id, or 'system' for expiry
    note        TEXT NOT NULL,            -- why
    PRIMARY KEY (entry_id, seq)
);

-- The feed: one row per published change, gapless from 1. feed_head holds
-- the last seq and hash in one row whose lock serialises appends, so two
-- hubs on one PostgreSQL can never write the same seq.
CREATE TABLE feed_events (
    seq        INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES blacklist_entries (id),
    action     TEXT NOT NULL CHECK (action IN ('add', 'update', 'remove')),
    at         TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL,
    signature  TEXT NOT NULL,
    payload    TEXT NOT NULL              -- canonical JSON, exactly the hashed bytes
);
CREATE TABLE feed_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO feed_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Screens of prospective merchants, kept 360 days for retro alerts (SPEC §7).
CREATE TABLE screenings (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    acquirer    TEXT,                     -- the screening acquirer (NULL for analysts)
    purpose     TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    record      TEXT NOT NULL,            -- JSON matcher::MerchantRecord (tokens and masks only)
    decision    TEXT NOT NULL,
    hits        TEXT NOT NULL,            -- JSON [matcher::Hit]
    expires_at  TEXT NOT NULL
);
CREATE INDEX screenings_at ON screenings (at);
CREATE INDEX screenings_expires ON screenings (expires_at);

-- Who besides the members may see an alert: the acquirer whose screen a
-- retro alert concerns (a prospect is not a stored merchant).
CREATE TABLE alert_viewers (
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    acquirer TEXT NOT NULL,
    PRIMARY KEY (alert_id, acquirer)
);
CREATE INDEX alert_viewers_acquirer ON alert_viewers (acquirer, alert_id);
