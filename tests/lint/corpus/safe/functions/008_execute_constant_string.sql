-- A DO block that EXECUTEs a constant statement.
-- Safe: nothing is concatenated into the SQL text.
-- Source: PostgreSQL docs, PL/pgSQL EXECUTE
-- expect: none
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_class WHERE relname = 'bounce_codes_seq') THEN
        EXECUTE 'CREATE SEQUENCE bounce_codes_seq';
    END IF;
END
$$;
