-- Fuzzy links (SPEC §5 `linked` with no shared identifier): pairs of
-- merchants the matcher scored as one controlling person, with the
-- explanation. Written in the batch transaction that found them, so links
-- and the alerts built on them commit together; replaced when either
-- merchant gets a new version; rebuilt by `mhub reindex`.

CREATE TABLE match_links (
    left_pk     BIGINT NOT NULL REFERENCES merchants (id),  -- the smaller merchant key
    right_pk    BIGINT NOT NULL REFERENCES merchants (id),
    rule        TEXT NOT NULL,      -- co_located, controller
    score       DOUBLE PRECISION NOT NULL,
    explanation TEXT NOT NULL,      -- JSON matcher::Explanation (names and addresses, masked documents)
    PRIMARY KEY (left_pk, right_pk),
    CHECK (left_pk < right_pk)
);
CREATE INDEX match_links_right ON match_links (right_pk);

-- The candidate index catches up with merchants written after its last
-- commit (a crash, another hub on the same PostgreSQL) by batch.
CREATE INDEX merchants_batch ON merchants (batch_id);
