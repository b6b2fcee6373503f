-- A DO block that builds ALTER TABLE statements by concatenating table names.
-- Unsafe: a name with a quote, space or capital letter breaks the statement or injects SQL; format('%I') quotes
--   it.
-- Source: issue 15, reference customer's classes: string-built SQL; PostgreSQL docs, PL/pgSQL Executing Dynamic
--   Commands
-- expect: ban-string-built-sql
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'usage_events_%' LOOP
        EXECUTE 'ALTER TABLE ' || t || ' SET (autovacuum_vacuum_scale_factor = 0.01)';
    END LOOP;
END
$$;
