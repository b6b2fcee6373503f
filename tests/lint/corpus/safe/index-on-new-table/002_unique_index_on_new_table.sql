-- Creates a table and a unique index on it.
-- Safe: an empty table: no stall.
-- Source: squawk docs, require-concurrent-index-creation
-- expect: none
CREATE TABLE sending_domains (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain text NOT NULL,
    verified_at timestamptz
);
CREATE UNIQUE INDEX sending_domains_domain_idx ON sending_domains (lower(domain));
