-- Key rotation (SPEC §9): a rotated key keeps working until its expiry, so
-- an acquirer can roll the new key out before the old one stops; the row
-- names the key that replaced it. Both columns are NULL for keys that were
-- never rotated.
ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
ALTER TABLE api_keys ADD COLUMN replaced_by TEXT;
