-- Alerts (SPEC §5): one row per finding, keyed by what ties its members
-- together, so a finding grows instead of being raised twice.

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    type        TEXT NOT NULL,
    subtype     TEXT,
    group_key   TEXT NOT NULL,     -- what ties the members: "id:<token>", "sn:<key>", "phone:<token>", …
    status      TEXT NOT NULL CHECK (status IN ('open', 'confirmed', 'dismissed')),
    score       REAL NOT NULL,
    members     TEXT NOT NULL,     -- JSON [{"acquirer", "merchant_id"}], sorted
    evidence    TEXT NOT NULL,     -- JSON: fields matched, masked values, similarities, weights
    signature   TEXT NOT NULL,     -- SHA-256 of members + evidence: a dismissal holds while it is unchanged
    member_count INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    decided_by  TEXT,
    decided_at  TEXT,
    reason      TEXT,
    UNIQUE (type, group_key)
);
CREATE INDEX alerts_type_status ON alerts (type, status);

-- Which merchants an alert involves, for "alerts of my merchants" queries.
CREATE TABLE alert_members (
    alert_id    INTEGER NOT NULL REFERENCES alerts (id),
    merchant_pk INTEGER NOT NULL REFERENCES merchants (id),
    acquirer    TEXT NOT NULL,
    PRIMARY KEY (alert_id, merchant_pk)
);
CREATE INDEX alert_members_acquirer ON alert_members (acquirer, alert_id);
CREATE INDEX alert_members_merchant ON alert_members (merchant_pk);

-- Every change of an alert: raised, grown, reopened, confirmed, dismissed.
CREATE TABLE alert_events (
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    seq      INTEGER NOT NULL,
    at       TEXT NOT NULL,
    action   TEXT NOT NULL,
    actor    TEXT NOT NULL,         -- key id, or "batch:<id>"
    detail   TEXT,
    PRIMARY KEY (alert_id, seq)
);
