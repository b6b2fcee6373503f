-- Creates a tenant table with RLS and a GIN index on it.
-- Safe: new table: no stall.
-- Source: PostgreSQL docs, GIN Indexes
-- expect: none
CREATE TABLE saved_searches (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id bigint GENERATED ALWAYS AS IDENTITY,
    query jsonb NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE saved_searches ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saved_searches
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
CREATE INDEX saved_searches_query_idx ON saved_searches USING gin (query);
