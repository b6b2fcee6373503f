-- Adds a column, backfills it with WHERE; down drops the column.
-- Safe: the backfill only writes the new column, so the down loses nothing that existed before.
-- Source: strong_migrations README, dangerous operations, backfilling data
-- expect: none
-- migrate:up
ALTER TABLE tenants ADD COLUMN slug text;
UPDATE tenants SET slug = lower(replace(name, ' ', '-')) WHERE slug IS NULL;
-- migrate:down
ALTER TABLE tenants DROP COLUMN slug;
