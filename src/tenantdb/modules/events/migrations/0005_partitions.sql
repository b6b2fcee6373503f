-- migrate:up
-- Monthly partitions for business_events (by occurred_at, UTC months), email_delivery_batches and
-- email_delivery_daily (by day), and retention that drops whole months but never an undelivered event.

-- The tables partitioned by month, with their partition key and its type.
CREATE FUNCTION tenantdb_events_partitioned() RETURNS TABLE (parent regclass, key_column text, by_time boolean)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    VALUES ('business_events'::regclass, 'occurred_at', true),
           ('email_delivery_batches'::regclass, 'day', false),
           ('email_delivery_daily'::regclass, 'day', false)
$$;

CREATE FUNCTION tenantdb_events_create_partitions(months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t           record;
    schema_name text;
    table_name  text;
    default_partition text;
    first_month date := date_trunc('month', now() AT TIME ZONE 'UTC')::date;
    month_start date;
    partition   text;
    lower_bound text;
    upper_bound text;
    months      date[];
    created     integer := 0;
BEGIN
    IF months_ahead IS NULL OR months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months_ahead must be between 0 and 120, not %', coalesce(months_ahead::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    FOR t IN SELECT * FROM tenantdb_events_partitioned() LOOP
        SELECT n.nspname, c.relname INTO schema_name, table_name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = t.parent;
        default_partition := table_name || '_default';
        -- One caller at a time; SHARE UPDATE EXCLUSIVE blocks neither reads nor writes, and neither does ATTACH
        -- PARTITION, which is why partitions are built beside the table and attached.
        EXECUTE format('LOCK TABLE %I.%I IN SHARE UPDATE EXCLUSIVE MODE', schema_name, table_name);
        IF to_regclass(format('%I.%I', schema_name, default_partition)) IS NULL THEN
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           schema_name, default_partition, schema_name, table_name);
            EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I DEFAULT', schema_name, table_name,
                           schema_name, default_partition);
            created := created + 1;
        END IF;
        -- Row-level security is forced on every partition, on the owner too (this function runs as the owner):
        -- lifted for this transaction only, to see and move the default partition's rows, and forced again below.
        EXECUTE format('ALTER TABLE %I.%I NO FORCE ROW LEVEL SECURITY', schema_name, default_partition);
        -- The months ahead, and every month that has rows in the default partition (history written before its
        -- month had a partition): each gets its own partition, and its rows move into it.
        EXECUTE format('SELECT array_agg(DISTINCT m ORDER BY m) FROM (SELECT generate_series($1, $1 + $2 * interval '
                       '''1 month'', interval ''1 month'')::date UNION SELECT date_trunc(''month'', %s)::date FROM '
                       '%I.%I) AS months (m)',
                       CASE WHEN t.by_time THEN format('%I AT TIME ZONE ''UTC''', t.key_column)
                            ELSE quote_ident(t.key_column) END,
                       schema_name, default_partition)
            INTO months USING first_month, months_ahead;
        FOREACH month_start IN ARRAY months LOOP
            partition := table_name || '_' || to_char(month_start, 'YYYY_MM');
            CONTINUE WHEN to_regclass(format('%I.%I', schema_name, partition)) IS NOT NULL;
            IF t.by_time THEN
                lower_bound := (month_start::timestamp AT TIME ZONE 'UTC')::text;
                upper_bound := ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC')::text;
            ELSE
                lower_bound := month_start::text;
                upper_bound := (month_start + interval '1 month')::date::text;
            END IF;
            EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                           schema_name, partition, schema_name, table_name);
            EXECUTE format('WITH moved AS (DELETE FROM %I.%I WHERE %I >= $1::%s AND %I < $2::%s RETURNING *)'
                           ' INSERT INTO %I.%I SELECT * FROM moved',
                           schema_name, default_partition, t.key_column, CASE WHEN t.by_time THEN 'timestamptz'
                           ELSE 'date' END, t.key_column, CASE WHEN t.by_time THEN 'timestamptz' ELSE 'date' END,
                           schema_name, partition)
                USING lower_bound, upper_bound;
            EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
                           schema_name, table_name, schema_name, partition, lower_bound, upper_bound);
            EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY',
                           schema_name, partition);
            created := created + 1;
        END LOOP;
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY',
                       schema_name, default_partition);
    END LOOP;
    RETURN created;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_create_partitions(integer) IS
    'Creates the monthly partitions of business_events, email_delivery_batches and email_delivery_daily for the '
    'current UTC month and months_ahead months after it, and for every month that has rows in a default partition '
    '(they move into it), when missing (idempotent); row-level security is forced on each. Returns the number of '
    'partitions created. Call it monthly from a scheduler (pg_cron: SET lock_timeout = ''5s''; SELECT '
    'tenantdb_events_create_partitions();), retrying on a lock timeout. SECURITY DEFINER (creating partitions needs '
    'the tables'' owner); EXECUTE is granted to db_administrators only.';

CREATE FUNCTION tenantdb_events_drop_partitions(keep_months integer, dry_run boolean DEFAULT false)
RETURNS TABLE (table_name text, partition_name text, month date, row_count bigint, undelivered bigint,
               dropped boolean)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t           record;
    p           record;
    schema_name text;
    cutoff      date;
BEGIN
    IF keep_months IS NULL OR keep_months NOT BETWEEN 0 AND 1200 THEN
        RAISE EXCEPTION 'keep_months must be between 0 and 1200, not %', coalesce(keep_months::text, 'NULL')
            USING ERRCODE = '22023', HINT = 'the months kept before the current UTC month, e.g. 13 for a year';
    END IF;
    cutoff := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => keep_months))::date;
    FOR t IN SELECT * FROM tenantdb_events_partitioned() LOOP
        SELECT n.nspname, c.relname INTO schema_name, table_name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = t.parent;
        FOR p IN
            SELECT c.relname, to_date(right(c.relname, 7), 'YYYY_MM') AS month_start
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = t.parent
              AND c.relname ~ ('^' || table_name || '_[0-9]{4}_[0-9]{2}$')
              AND to_date(right(c.relname, 7), 'YYYY_MM') < cutoff
            ORDER BY 2
        LOOP
            partition_name := p.relname;
            month := p.month_start;
            -- Row-level security binds the owner too: lifted for this transaction to count the partition's rows
            -- (the ACCESS EXCLUSIVE lock it takes keeps writers out until the partition is dropped or kept).
            EXECUTE format('ALTER TABLE %I.%I NO FORCE ROW LEVEL SECURITY', schema_name, p.relname);
            EXECUTE format('SELECT count(*), %s FROM %I.%I',
                           CASE WHEN t.parent = 'business_events'::regclass
                                THEN 'count(*) FILTER (WHERE delivered_at IS NULL)' ELSE '0' END,
                           schema_name, p.relname)
                INTO row_count, undelivered;
            dropped := undelivered = 0 AND NOT dry_run;
            IF undelivered > 0 THEN
                RAISE WARNING '% keeps %: % event(s) not delivered to PostHog yet', table_name, p.relname,
                    undelivered
                    USING HINT = 'tenantdb events flush delivers them (or replay); the month is dropped once they are';
            END IF;
            IF dropped THEN
                EXECUTE format('ALTER TABLE %I.%I DETACH PARTITION %I.%I', schema_name, table_name, schema_name,
                               p.relname);
                EXECUTE format('DROP TABLE %I.%I', schema_name, p.relname);
            ELSE
                EXECUTE format('ALTER TABLE %I.%I FORCE ROW LEVEL SECURITY', schema_name, p.relname);
            END IF;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION tenantdb_events_drop_partitions(integer, boolean) IS
    'Retention: detaches and drops the monthly partitions of business_events, email_delivery_batches and '
    'email_delivery_daily for months before the current UTC month minus keep_months, except a business_events '
    'month that still holds undelivered events (a WARNING names it and it is kept: nothing is lost silently). '
    'Returns one row per old partition: its rows, undelivered events and whether it was dropped (never with '
    'dry_run). Months still in a default partition are not touched: tenantdb_events_create_partitions() gives them '
    'partitions first. SECURITY DEFINER; EXECUTE for db_administrators only.';

REVOKE EXECUTE ON FUNCTION tenantdb_events_partitioned(), tenantdb_events_create_partitions(integer),
    tenantdb_events_drop_partitions(integer, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_events_create_partitions(integer), tenantdb_events_drop_partitions(integer, boolean)
    TO db_administrators;

ALTER FUNCTION tenantdb_events_partitioned() OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_create_partitions(integer) OWNER TO tenantdb_owner;
ALTER FUNCTION tenantdb_events_drop_partitions(integer, boolean) OWNER TO tenantdb_owner;

SELECT tenantdb_events_create_partitions(3);

-- migrate:down
-- The monthly partitions go back into the default partitions (their rows with them), then the functions go.
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN
        SELECT n.nspname, parent.relname AS parent_name, c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class parent ON parent.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE parent.relname IN ('business_events', 'email_delivery_batches', 'email_delivery_daily')
          AND c.relname ~ '_[0-9]{4}_[0-9]{2}$'
          AND parent.relnamespace = c.relnamespace
    LOOP
        EXECUTE format('ALTER TABLE %I.%I DETACH PARTITION %I.%I', p.nspname, p.parent_name, p.nspname, p.relname);
        EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', p.nspname, p.parent_name, p.nspname, p.relname);
        EXECUTE format('DROP TABLE %I.%I', p.nspname, p.relname);
    END LOOP;
END;
$$;
DROP FUNCTION tenantdb_events_drop_partitions(integer, boolean);
DROP FUNCTION tenantdb_events_create_partitions(integer);
DROP FUNCTION tenantdb_events_partitioned();

-- migrate:verify
SELECT format('no partition of %s for %s: its rows go to the default partition', t.parent,
              to_char(month_start, 'YYYY-MM'))
FROM tenantdb_events_partitioned() AS t
CROSS JOIN generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                           date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month',
                           interval '1 month') AS month_start
WHERE to_regclass(t.parent::text || '_' || to_char(month_start, 'YYYY_MM')) IS NULL;
SELECT format('partition %s of %s does not force row-level security', i.inhrelid::regclass, i.inhparent::regclass)
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent IN (SELECT parent FROM tenantdb_events_partitioned())
  AND NOT (c.relrowsecurity AND c.relforcerowsecurity);
