-- Creates an extension IF NOT EXISTS in its own non-transactional migration.
-- Safe: kept out of the schema migration's transaction, and re-runnable.
-- Source: PostgreSQL docs, CREATE EXTENSION
-- expect: none
-- tenantdb: no-transaction
CREATE EXTENSION IF NOT EXISTS pg_trgm;
