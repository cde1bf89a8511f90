-- The `metrics` role: keys that read GET /metrics and nothing else. The
-- role column's CHECK lists the roles; PostgreSQL named it
-- api_keys_role_check when 0001 created the table. (The SQLite migration
-- beside this one rebuilds the table, which SQLite needs to change a CHECK.)

ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
    CHECK (role IN ('acquirer', 'analyst', 'admin', 'subscriber', 'metrics'));
