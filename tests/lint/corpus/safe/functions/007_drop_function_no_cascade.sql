-- Drops a function created in this migration, without CASCADE.
-- Safe: without CASCADE PostgreSQL refuses if anything depends on it.
-- Source: PostgreSQL docs, DROP FUNCTION
-- expect: none
CREATE FUNCTION tmp_helper() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
DROP FUNCTION tmp_helper();
