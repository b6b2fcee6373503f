-- A DO block using format('%s') for a table name.
-- Unsafe: %s inserts the text unquoted; %I is the identifier placeholder.
-- Source: PostgreSQL docs, format() (%I, %L, %s)
-- expect: ban-string-built-sql
DO $$
DECLARE
    part text := 'usage_events_2026_02';
BEGIN
    EXECUTE format('CREATE TABLE %s PARTITION OF usage_events FOR VALUES FROM (%L) TO (%L)',
                   part, '2026-02-01', '2026-03-01');
END
$$;
