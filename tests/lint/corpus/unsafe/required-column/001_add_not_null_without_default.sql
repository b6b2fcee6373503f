-- Adds a NOT NULL column without a default to an existing table.
-- Unsafe: it fails on any table that has rows, and old code that does not set the column fails to INSERT.
-- Source: squawk docs, adding-required-field
-- expect: none (no rule yet)
ALTER TABLE vps_instances ADD COLUMN provider text NOT NULL;
