-- Adds a STORED generated column to orders.
-- Unsafe: computed for every existing row: full rewrite under ACCESS EXCLUSIVE.
-- Source: strong_migrations README, dangerous operations, adding a stored generated column
-- expect: ban-stored-generated-column
ALTER TABLE orders ADD COLUMN amount_cents bigint GENERATED ALWAYS AS ((amount * 100)::bigint) STORED;
