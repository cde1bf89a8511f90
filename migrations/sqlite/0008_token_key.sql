-- Which token key the stored tokens are under (SPEC §4, token-key
-- rotation): its public fingerprint and how many generations it has. A hub
-- refuses to start with a key whose fingerprint differs (another data
-- directory's secrets, a database restored from before a rotation), and a
-- rotation changes this row in the transaction that re-tokenises, so the
-- row always names the key the tokens are under. Empty until the first start
-- that knows about it.
CREATE TABLE token_key_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    generations INTEGER NOT NULL,
    changed_at  TEXT NOT NULL
);
