-- migrate:up
-- Emitting many events in one statement (tenantdb bi refresh emits an event per customer and month): what
-- tenantdb_events_emit does for one event, for arrays of the same length, in one INSERT instead of one call per row.
CREATE FUNCTION tenantdb_events_emit_all(event_ids uuid[], occurred_at timestamptz[], events text[], tenant_ids uuid[],
                                         properties jsonb[]) RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH added AS (
        INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)
        SELECT e.event_id, e.occurred_at, e.event, e.tenant_id, coalesce(e.properties, '{}')
        FROM unnest($1, $2, $3, $4, $5) AS e (event_id, occurred_at, event, tenant_id, properties)
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM added;
$$;
COMMENT ON FUNCTION tenantdb_events_emit_all(uuid[], timestamptz[], text[], uuid[], jsonb[]) IS
    'Adds the events given as arrays of the same length (the i-th of each array is one event) to business_events, '
    'in the caller''s transaction; returns how many were added: an event already there (same tenant, event_id and '
    'occurred_at) is skipped, as by tenantdb_events_emit. SECURITY INVOKER: the caller''s row-level security applies.';
ALTER FUNCTION tenantdb_events_emit_all(uuid[], timestamptz[], text[], uuid[], jsonb[]) OWNER TO tenantdb_owner;

-- migrate:down
DROP FUNCTION tenantdb_events_emit_all(uuid[], timestamptz[], text[], uuid[], jsonb[]);
