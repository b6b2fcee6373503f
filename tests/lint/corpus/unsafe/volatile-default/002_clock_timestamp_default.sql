-- Adds a column with DEFAULT clock_timestamp() to orders.
-- Unsafe: clock_timestamp() is volatile: full rewrite.
-- Source: strong_migrations README, dangerous operations, adding a column with a volatile default value
-- expect: ban-volatile-default
ALTER TABLE orders ADD COLUMN imported_at timestamptz NOT NULL DEFAULT clock_timestamp();
