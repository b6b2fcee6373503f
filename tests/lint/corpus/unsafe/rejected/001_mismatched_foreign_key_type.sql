-- Creates a table whose tenant_id is text but references tenants(id), a uuid.
-- Unsafe: PostgreSQL rejects the foreign key: the migration fails.
-- Source: PostgreSQL docs, Foreign Keys
-- expect: ban-mismatched-key-default
-- postgresql: rejects 42804
CREATE TABLE tenant_notes (
    tenant_id text NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    body text,
    PRIMARY KEY (tenant_id, id)
);
