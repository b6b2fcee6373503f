-- Creates an append-only log table without a primary key.
-- Unsafe: rows cannot be addressed for fixes or deduplication; logical replication cannot replicate their deletes.
-- Source: PostgreSQL docs, REPLICA IDENTITY
-- expect: require-primary-key
CREATE TABLE bounce_log (
    address text NOT NULL,
    code integer NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now()
);
