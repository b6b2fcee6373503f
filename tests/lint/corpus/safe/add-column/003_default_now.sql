-- Adds a timestamptz column DEFAULT now().
-- Safe: now() is stable, not volatile: evaluated once, no rewrite.
-- Source: strong_migrations README, dangerous operations, adding a column with a volatile default value (now() is
--   fine); PostgreSQL docs, ALTER TABLE
-- expect: none
ALTER TABLE vps_instances ADD COLUMN registered_at timestamptz NOT NULL DEFAULT now();
