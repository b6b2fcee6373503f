-- Raises the cache of the identity sequence of audit_logs.
-- Safe: sequence options are catalog-only: a brief lock, no scan.
-- Source: PostgreSQL docs, ALTER TABLE ALTER COLUMN SET (identity options)
-- expect: none
ALTER TABLE audit_logs ALTER COLUMN id SET CACHE 20;
