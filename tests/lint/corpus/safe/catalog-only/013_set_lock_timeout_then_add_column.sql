-- Sets lock_timeout, then adds a nullable column.
-- Safe: a short lock wait and a catalog-only change.
-- Source: squawk docs, require-timeout-settings
-- expect: none
SET lock_timeout = '2s';
ALTER TABLE tenants ADD COLUMN region text;
