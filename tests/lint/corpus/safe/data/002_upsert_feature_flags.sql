-- Upserts into a table created in the same migration.
-- Safe: the table is new: nothing existing is overwritten.
-- Source: PostgreSQL docs, INSERT ON CONFLICT DO UPDATE
-- expect: none
CREATE TABLE flags (
    key text PRIMARY KEY,
    enabled boolean NOT NULL
);
INSERT INTO flags (key, enabled) VALUES ('new-dashboard', false)
ON CONFLICT (key) DO UPDATE SET enabled = excluded.enabled;
