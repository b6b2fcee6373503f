-- Adds three nullable columns in one ALTER TABLE.
-- Safe: all catalog-only.
-- Source: pgroll docs, add_column
-- expect: none
ALTER TABLE vps_instances ADD COLUMN provider text, ADD COLUMN provider_id text, ADD COLUMN notes text;
