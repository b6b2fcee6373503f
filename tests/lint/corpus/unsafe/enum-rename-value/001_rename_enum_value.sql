-- Renames the enum value 'refunded' of order_status.
-- Unsafe: running code still writes and compares 'refunded' and gets 'invalid input value for enum'.
-- Source: strong_migrations README, dangerous operations, renaming an enum value; PostgreSQL docs, ALTER TYPE
--   RENAME VALUE
-- expect: none (no rule yet)
ALTER TYPE order_status RENAME VALUE 'refunded' TO 'reimbursed';
