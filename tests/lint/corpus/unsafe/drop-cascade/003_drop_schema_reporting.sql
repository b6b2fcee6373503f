-- Drops the reporting schema with CASCADE.
-- Unsafe: every object in it goes, including objects other teams created.
-- Source: PostgreSQL docs, DROP SCHEMA
-- expect: ban-drop-schema, ban-drop-cascade
DROP SCHEMA reporting CASCADE;
