-- migrate:up
CREATE TABLE usage_aggregates_daily (
    tenant_id   uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    day         date        NOT NULL,
    event_type  text        NOT NULL,
    event_count bigint      NOT NULL CHECK (event_count >= 0),
    quantity    numeric     NOT NULL CHECK (quantity >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day, event_type)
);
COMMENT ON TABLE usage_aggregates_daily IS
    'usage_events counted per tenant, UTC day and event_type; rebuilt by tenantdb_aggregate_usage_daily(day), '
    'never written by hand. A tenant rollup: same row-level security as the events.';

CREATE TABLE usage_aggregates_monthly (
    tenant_id   uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    month       date        NOT NULL CHECK (month = date_trunc('month', month)::date),
    event_type  text        NOT NULL,
    event_count bigint      NOT NULL CHECK (event_count >= 0),
    quantity    numeric     NOT NULL CHECK (quantity >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month, event_type)
);
COMMENT ON TABLE usage_aggregates_monthly IS
    'usage_events counted per tenant, UTC month (its first day) and event_type; rebuilt by '
    'tenantdb_aggregate_usage_monthly(month), never written by hand.';

ALTER TABLE usage_aggregates_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_aggregates_daily TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON usage_aggregates_daily AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON usage_aggregates_daily FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON usage_aggregates_daily TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_aggregates_daily TO application_service;
GRANT SELECT ON usage_aggregates_daily TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_aggregates_daily TO db_administrators;

ALTER TABLE usage_aggregates_monthly ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_aggregates_monthly TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON usage_aggregates_monthly AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON usage_aggregates_monthly FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON usage_aggregates_monthly TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_aggregates_monthly TO application_service;
GRANT SELECT ON usage_aggregates_monthly TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_aggregates_monthly TO db_administrators;

-- $1 rather than the parameter's name: in an SQL function a column of the same name (day, month) would win.
CREATE FUNCTION tenantdb_aggregate_usage_daily(day date) RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH fresh AS (
        SELECT e.tenant_id, e.event_type, count(*) AS event_count, sum(e.quantity) AS quantity
        FROM usage_events e
        WHERE e.occurred_at >= $1::timestamp AT TIME ZONE 'UTC'
          AND e.occurred_at < ($1 + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY e.tenant_id, e.event_type
    ), stale AS (
        DELETE FROM usage_aggregates_daily a
        WHERE a.day = $1
          AND NOT EXISTS (SELECT FROM fresh f WHERE f.tenant_id = a.tenant_id AND f.event_type = a.event_type)
        RETURNING 1
    ), written AS (
        INSERT INTO usage_aggregates_daily AS a (tenant_id, day, event_type, event_count, quantity)
        SELECT f.tenant_id, $1, f.event_type, f.event_count, f.quantity FROM fresh f
        ON CONFLICT (tenant_id, day, event_type) DO UPDATE
        SET    event_count = excluded.event_count,
               quantity    = excluded.quantity,
               updated_at  = now()
        WHERE  (a.event_count, a.quantity) IS DISTINCT FROM (excluded.event_count, excluded.quantity)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM written) + (SELECT count(*) FROM stale);
$$;
COMMENT ON FUNCTION tenantdb_aggregate_usage_daily(date) IS
    'Rebuilds usage_aggregates_daily for one UTC day from usage_events: upserts every (tenant, event_type) of the '
    'day and deletes rows whose events are gone, so running it again changes nothing. Returns the rows changed. '
    'SECURITY INVOKER: as db_administrators it rebuilds every tenant, as application_service with a tenant set '
    'only that tenant.';

CREATE FUNCTION tenantdb_aggregate_usage_monthly(month date) RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH bounds AS (
        SELECT date_trunc('month', $1)::date AS month_start
    ), fresh AS (
        SELECT e.tenant_id, e.event_type, count(*) AS event_count, sum(e.quantity) AS quantity
        FROM usage_events e, bounds b
        WHERE e.occurred_at >= b.month_start::timestamp AT TIME ZONE 'UTC'
          AND e.occurred_at < (b.month_start + interval '1 month') AT TIME ZONE 'UTC'
        GROUP BY e.tenant_id, e.event_type
    ), stale AS (
        DELETE FROM usage_aggregates_monthly a
        USING bounds b
        WHERE a.month = b.month_start
          AND NOT EXISTS (SELECT FROM fresh f WHERE f.tenant_id = a.tenant_id AND f.event_type = a.event_type)
        RETURNING 1
    ), written AS (
        INSERT INTO usage_aggregates_monthly AS a (tenant_id, month, event_type, event_count, quantity)
        SELECT f.tenant_id, b.month_start, f.event_type, f.event_count, f.quantity FROM fresh f, bounds b
        ON CONFLICT (tenant_id, month, event_type) DO UPDATE
        SET    event_count = excluded.event_count,
               quantity    = excluded.quantity,
               updated_at  = now()
        WHERE  (a.event_count, a.quantity) IS DISTINCT FROM (excluded.event_count, excluded.quantity)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM written) + (SELECT count(*) FROM stale);
$$;
COMMENT ON FUNCTION tenantdb_aggregate_usage_monthly(date) IS
    'Rebuilds usage_aggregates_monthly for the UTC month containing month, from usage_events, idempotently (see '
    'tenantdb_aggregate_usage_daily). Returns the rows changed.';

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE usage_aggregates_daily OWNER TO tenantdb_owner;
ALTER TABLE usage_aggregates_monthly OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_aggregate_usage_daily(date) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_aggregate_usage_monthly(date) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_aggregate_usage_monthly(date);
DROP FUNCTION tenantdb_aggregate_usage_daily(date);
DROP TABLE usage_aggregates_monthly;
DROP TABLE usage_aggregates_daily;

-- migrate:verify
SELECT 'usage_aggregates_monthly has ' || month || ', not the first day of a month'
FROM usage_aggregates_monthly
WHERE month <> date_trunc('month', month)::date;
