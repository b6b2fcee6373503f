-- A DO block building DDL with format('%I') and a literal with %L.
-- Safe: identifiers and literals are quoted by PostgreSQL.
-- Source: PostgreSQL docs, PL/pgSQL Executing Dynamic Commands (format %I, %L)
-- expect: none
DO $$
DECLARE
    part text := 'usage_events_2026_03';
BEGIN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                   part, '2026-03-01', '2026-04-01');
END
$$;
