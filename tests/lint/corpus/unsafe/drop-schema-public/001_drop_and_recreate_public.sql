-- Drops the public schema with CASCADE and creates it again.
-- Unsafe: every table in public is gone, and the recreated schema lost its grants and ownership.
-- Source: issue 15, reference customer's classes: DROP SCHEMA public CASCADE + CREATE SCHEMA public
-- expect: ban-drop-schema-public-cascade
DROP SCHEMA public CASCADE;
CREATE SCHEMA public;
