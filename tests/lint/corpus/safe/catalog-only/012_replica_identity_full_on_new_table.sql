-- Sets REPLICA IDENTITY on a new table.
-- Safe: a new table; catalog-only.
-- Source: pgroll docs, set_replica_identity
-- expect: none
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic text NOT NULL,
    payload jsonb NOT NULL
);
ALTER TABLE outbox REPLICA IDENTITY FULL;
