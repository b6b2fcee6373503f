-- Creates a table with no primary key.
-- Unsafe: duplicates cannot be told apart, logical replication cannot replicate UPDATE/DELETE, tools cannot
--   address a row.
-- Source: squawk rule list (require primary key), pgroll create_table docs; PostgreSQL docs, REPLICA IDENTITY
-- expect: require-primary-key
CREATE TABLE ip_blocklist (
    address inet NOT NULL,
    reason text,
    added_at timestamptz NOT NULL DEFAULT now()
);
