-- Renames an index.
-- Safe: no application query names an index.
-- Source: PostgreSQL docs, ALTER INDEX RENAME
-- expect: none
ALTER INDEX orders_created_at_idx RENAME TO orders_tenant_created_at_idx;
