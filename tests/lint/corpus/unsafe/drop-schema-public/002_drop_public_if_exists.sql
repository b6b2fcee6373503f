-- Drops public IF EXISTS CASCADE.
-- Unsafe: the guard changes nothing: the whole application schema is deleted.
-- Source: PostgreSQL docs, DROP SCHEMA
-- expect: ban-drop-schema-public-cascade
DROP SCHEMA IF EXISTS public CASCADE;
