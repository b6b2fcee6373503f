-- migrate:up
-- Every business event, in the transaction that causes it, and the outbox PostHog is fed from: a row is delivered
-- at least once (tenantdb events flush), with event_id as PostHog's idempotency key, and stays here after delivery
-- until its month's partition is dropped by retention. Written only through tenantdb_events_emit().
CREATE TABLE business_events (
    event_id        uuid        NOT NULL,
    occurred_at     timestamptz NOT NULL,
    event           text        NOT NULL
                                CHECK (event IN ('email_delivery_outcome', 'revenue_impact', 'cost_optimization',
                                                 'efficiency_metrics', 'strategic_decision', '$groupidentify')),
    tenant_id       uuid        REFERENCES companies (id) ON DELETE CASCADE,
    properties      jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(properties) = 'object'),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz,
    last_error      text,
    -- Led by tenant_id like every index of a table holding tenants' rows (a tenant's scan never counts another
    -- tenant's entries); NULLS NOT DISTINCT: a platform-wide event (no tenant) is unique by its id too.
    CONSTRAINT business_events_key UNIQUE NULLS NOT DISTINCT (tenant_id, event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE business_events IS
    'The business events log and PostHog outbox, partitioned by UTC month of occurred_at. event_id is stable for '
    'events derived from tenantdb''s own data (a re-run emits nothing new) and is the event''s uuid in PostHog. '
    'tenant_id is the customer concerned (its PostHog group), NULL for a platform-wide event (a shared pool, a '
    'provider invoice). An operator table: tenant roles read their own delivery outcomes and revenue impacts; application_service emits its tenant''s '
    'delivery outcomes and revenue impacts.';
COMMENT ON COLUMN business_events.delivered_at IS 'When PostHog accepted the event; NULL while pending.';
COMMENT ON COLUMN business_events.next_attempt_at IS
    'Not before then: after a failed attempt, the backoff (doubling from 1 s, at most 1 hour) with jitter.';
COMMENT ON COLUMN business_events.leased_until IS
    'A flush has taken the event and is sending it; another flush leaves it alone until then (a crashed sender''s '
    'lease expires and the event is sent again, with the same event_id).';
CREATE TABLE business_events_default PARTITION OF business_events DEFAULT;
ALTER TABLE business_events_default ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- What a flush reads: the pending events (a partial index, small however long the log).
CREATE INDEX business_events_pending_idx ON business_events (tenant_id, next_attempt_at) WHERE delivered_at IS NULL;
CREATE INDEX business_events_tenant_idx ON business_events (tenant_id, occurred_at);

ALTER TABLE business_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- A tenant reads the events its application records of its own (delivery outcomes, revenue impacts), never the
-- operator's judgement of it ($groupidentify's margin band and health, recommendations such as repricing it,
-- efficiency, decisions).
CREATE POLICY tenant_isolation ON business_events FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()) AND event IN ('email_delivery_outcome', 'revenue_impact'));
-- The application emits what it records for its own tenant (delivery outcomes, revenue impacts); the operator's
-- events (a tenant's group properties, optimizations, efficiency, decisions) come from the refresh and the
-- administrators only.
CREATE POLICY tenant_emit ON business_events FOR INSERT TO application_service
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant())
                AND event IN ('email_delivery_outcome', 'revenue_impact'));
-- R12: whatever permissive policy is added later, a tenant role reaches its own tenant's rows only.
CREATE POLICY tenant_guard ON business_events AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON business_events FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON business_events TO db_administrators USING (true) WITH CHECK (true);
-- tenantdb: ignore[require-tenant-with-check] the refresh emits every tenant's events by design
CREATE POLICY refresh_write ON business_events TO tenantdb_refresh USING (true) WITH CHECK (true);
GRANT SELECT ON business_events TO tenant_api, business_analysts;
GRANT SELECT, INSERT ON business_events TO application_service;
GRANT SELECT, INSERT, UPDATE, DELETE ON business_events TO db_administrators;
GRANT SELECT, INSERT ON business_events TO tenantdb_refresh;

CREATE FUNCTION tenantdb_events_emit(event_id uuid, occurred_at timestamptz, event text, tenant_id uuid,
                                     properties jsonb) RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH added AS (
        INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)
        VALUES ($1, $2, $3, $4, coalesce($5, '{}'))
        ON CONFLICT (tenant_id, event_id, occurred_at) DO NOTHING
        RETURNING 1
    )
    SELECT EXISTS (SELECT FROM added);
$$;
COMMENT ON FUNCTION tenantdb_events_emit(uuid, timestamptz, text, uuid, jsonb) IS
    'Adds one event to business_events (and so to the outbox) in the caller''s transaction; false when the tenant '
    'already has an event with the same event_id and occurred_at (stable ids make emitting idempotent). SECURITY '
    'INVOKER: the caller''s row-level security applies.';

-- UUID version 3 (RFC 9562: MD5 of a namespace and a name), the same as Python's
-- uuid.uuid3(tenantdb.events.ids.NAMESPACE, '/'.join(parts)): an event derived from tenantdb's own data gets the
-- same id on every run.
CREATE FUNCTION tenantdb_events_stable_id(VARIADIC parts text[]) RETURNS uuid
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT (substr(h, 1, 12) || '3' || substr(h, 14, 3)
        || to_hex((('x' || substr(h, 17, 1))::bit(4)::integer & 3) | 8) || substr(h, 18))::uuid
FROM (SELECT md5(decode('90d0a5211dec53479421820fb42304ea', 'hex') || convert_to(array_to_string(parts, '/'), 'UTF8')) AS h) AS digest
$$;
COMMENT ON FUNCTION tenantdb_events_stable_id(text[]) IS
    'The stable event id of a name made of parts: uuid3 in tenantdb''s namespace of the parts joined with /.';

ALTER TABLE business_events OWNER TO tenantdb_owner;
ALTER TABLE business_events_default OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_emit(uuid, timestamptz, text, uuid, jsonb) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_stable_id(text[]) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_events_emit(uuid, timestamptz, text, uuid, jsonb);
DROP FUNCTION tenantdb_events_stable_id(text[]);
DROP TABLE business_events;
