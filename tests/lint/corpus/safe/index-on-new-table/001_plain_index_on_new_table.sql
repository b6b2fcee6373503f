-- Creates a table and a plain index on it in the same migration.
-- Safe: the table is empty and nobody else can see it yet: a blocking build is instant.
-- Source: squawk docs, require-concurrent-index-creation (new tables are fine)
-- expect: none
CREATE TABLE delivery_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip_id bigint NOT NULL REFERENCES smtp_ip_addresses (id),
    attempted_at timestamptz NOT NULL,
    outcome text NOT NULL
);
CREATE INDEX delivery_attempts_ip_idx ON delivery_attempts (ip_id, attempted_at);
