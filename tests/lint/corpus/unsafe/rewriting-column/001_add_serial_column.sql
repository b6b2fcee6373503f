-- Adds a serial column to an existing table.
-- Unsafe: serial fills every existing row from a sequence: a rewrite under ACCESS EXCLUSIVE.
-- Source: squawk docs, adding-serial-primary-key-field; strong_migrations README, dangerous operations, adding an
--   auto-incrementing column
-- expect: ban-stored-generated-column
ALTER TABLE order_items ADD COLUMN seq bigserial;
