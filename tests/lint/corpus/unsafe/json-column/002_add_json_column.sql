-- Adds a json column to an existing table.
-- Unsafe: queries doing DISTINCT or UNION over audit rows break once the column is selected.
-- Source: strong_migrations README, dangerous operations, adding a json column
-- expect: prefer-jsonb-over-json
ALTER TABLE vps_instances ADD COLUMN provider_metadata json;
