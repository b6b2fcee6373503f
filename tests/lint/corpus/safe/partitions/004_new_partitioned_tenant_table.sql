-- Creates a new partitioned tenant table with its first partition and RLS.
-- Safe: new tables only; RLS on the parent covers queries through it.
-- Source: PostgreSQL docs, Table Partitioning; Row Security Policies
-- expect: none
CREATE TABLE delivery_events (
    tenant_id uuid NOT NULL,
    id bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at timestamptz NOT NULL,
    outcome text NOT NULL,
    PRIMARY KEY (tenant_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);
CREATE TABLE delivery_events_2026_01 PARTITION OF delivery_events
    FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
ALTER TABLE delivery_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON delivery_events
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
