-- Creates a table with a jsonb payload.
-- Safe: jsonb supports equality, DISTINCT and GIN indexes.
-- Source: strong_migrations README, dangerous operations, adding a json column (jsonb)
-- expect: none
CREATE TABLE provider_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider text NOT NULL,
    payload jsonb NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
