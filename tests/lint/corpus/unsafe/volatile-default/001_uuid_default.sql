-- Adds a column with DEFAULT gen_random_uuid() to users.
-- Unsafe: a volatile default is computed per row: the table is rewritten under ACCESS EXCLUSIVE.
-- Source: squawk docs, adding-field-with-default; strong_migrations README, dangerous operations, adding a column
--   with a volatile default value; PostgreSQL docs, ALTER TABLE ADD COLUMN
-- expect: ban-volatile-default
ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
