-- Creates a schema for staging imports; down drops it without CASCADE.
-- Safe: without CASCADE the drop refuses to remove anything still in the schema.
-- Source: PostgreSQL docs, CREATE SCHEMA / DROP SCHEMA
-- expect: none
-- migrate:up
CREATE SCHEMA IF NOT EXISTS imports;
-- migrate:down
DROP SCHEMA IF EXISTS imports;
