-- migrate:up
CREATE TABLE usage_events (
    tenant_id   uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    event_id    uuid        NOT NULL DEFAULT gen_random_uuid(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    event_type  text        NOT NULL CHECK (event_type ~ '^[a-z][a-z0-9_.]{0,62}$'),
    user_id     uuid,
    quantity    numeric     NOT NULL DEFAULT 1 CHECK (quantity >= 0),
    properties  jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, event_id, occurred_at)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE usage_events IS
    'Append-only product usage, partitioned by UTC month (usage_events_YYYY_MM, plus usage_events_default for '
    'anything outside them). occurred_at is in the primary key because a partitioned table''s keys must contain '
    'the partition key. Row-level security and grants are on this parent only: they apply to queries through '
    'it, not to a partition queried directly, so tenant roles are never granted a partition (each partition also '
    'has row-level security enabled without policies, so a stray grant shows nothing). '
    'tenantdb_create_usage_partitions() keeps the next months'' partitions in place.';
COMMENT ON COLUMN usage_events.user_id IS
    'Who acted, if anyone. No foreign key on purpose: usage history outlives users.';
COMMENT ON COLUMN usage_events.quantity IS
    'How much of the event_type happened (e.g. e-mails in a batch); 1 by default.';
CREATE INDEX usage_events_recent_idx ON usage_events (tenant_id, occurred_at DESC);
-- No BRIN on occurred_at (RELIABILITY R26): its block ranges hold every tenant's rows, so a tenant's scan of it
-- would recheck and count other tenants' events. Month-wide reads prune to the month's partition.

ALTER TABLE usage_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_events TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON usage_events AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON usage_events FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON usage_events TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON usage_events TO application_service;
GRANT SELECT ON usage_events TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_events TO db_administrators;

CREATE FUNCTION tenantdb_create_usage_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    parent      regclass := 'usage_events'::regclass;
    schema_name text;
    first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    month_start date;
    partition   text;
    lower_bound timestamptz;
    upper_bound timestamptz;
    created     integer := 0;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', months_ahead;
    END IF;
    SELECT n.nspname INTO schema_name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = parent;
    -- One caller at a time. SHARE UPDATE EXCLUSIVE does not block reads or writes, and neither does ATTACH
    -- PARTITION, which is why partitions are built beside the table and attached (CREATE TABLE ... PARTITION OF
    -- would wait for ACCESS EXCLUSIVE on usage_events and queue every writer behind any long query).
    LOCK TABLE usage_events IN SHARE UPDATE EXCLUSIVE MODE;
    IF to_regclass(format('%I.usage_events_default', schema_name)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.usage_events_default'
                       ' (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', schema_name);
        EXECUTE format('ALTER TABLE usage_events ATTACH PARTITION %I.usage_events_default DEFAULT', schema_name);
        EXECUTE format('ALTER TABLE %I.usage_events_default ENABLE ROW LEVEL SECURITY', schema_name);
        created := created + 1;
    END IF;
    FOR step IN 0..months_ahead LOOP
        month_start := (first_month + make_interval(months => step))::date;
        partition := 'usage_events_' || to_char(month_start, 'YYYY_MM');
        CONTINUE WHEN to_regclass(format('%I.%I', schema_name, partition)) IS NOT NULL;
        lower_bound := month_start::timestamp AT TIME ZONE 'UTC';
        upper_bound := (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        EXECUTE format('CREATE TABLE %I.%I (LIKE usage_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                       schema_name, partition);
        -- Rows of this month that already landed in the default partition move into the new one (the default
        -- partition may not keep rows that belong to an attached partition).
        EXECUTE format('WITH moved AS (DELETE FROM %I.usage_events_default WHERE occurred_at >= $1 AND occurred_at < $2'
                       ' RETURNING *) INSERT INTO %I.%I SELECT * FROM moved', schema_name, schema_name, partition)
            USING lower_bound, upper_bound;
        EXECUTE format('ALTER TABLE usage_events ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                       schema_name, partition, lower_bound, upper_bound);
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', schema_name, partition);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;
COMMENT ON FUNCTION tenantdb_create_usage_partitions(integer) IS
    'Creates the default partition and the partitions of the current UTC month and months_ahead months after it, '
    'when missing (idempotent); rows already in the default partition for such a month move into it. Returns the '
    'number of partitions created. Call it monthly from a scheduler (pg_cron: SET lock_timeout = ''5s''; SELECT '
    'tenantdb_create_usage_partitions();), retrying on a lock timeout: writers are not blocked, but attaching needs '
    'a brief exclusive lock on the default partition, which a long query over all of usage_events holds off. '
    'SECURITY DEFINER because creating partitions needs the table''s owner; EXECUTE is granted to '
    'db_administrators only.';
REVOKE EXECUTE ON FUNCTION tenantdb_create_usage_partitions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_create_usage_partitions(integer) TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules; the partitions the function
-- creates are then the owner's too.
ALTER TABLE usage_events OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_create_usage_partitions(integer) OWNER TO tenantdb_owner;

SELECT tenantdb_create_usage_partitions(3);

-- migrate:down
DROP TABLE usage_events;
DROP FUNCTION tenantdb_create_usage_partitions(integer);

-- migrate:verify
SELECT 'no partition of usage_events for ' || to_char(month_start, 'YYYY-MM')
       || ': its events go to the default partition'
FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                     date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month',
                     interval '1 month') AS month_start
WHERE to_regclass('usage_events_' || to_char(month_start, 'YYYY_MM')) IS NULL;
SELECT format('role %s may read partition %s directly, past the parent''s row-level security',
              r.rolname, i.inhrelid::regclass)
FROM pg_inherits i
CROSS JOIN pg_roles r
WHERE i.inhparent = 'usage_events'::regclass
  AND r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_any_column_privilege(r.oid, i.inhrelid, 'SELECT');
