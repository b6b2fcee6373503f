-- REINDEX TABLE CONCURRENTLY users.
-- Safe: rebuilds every index without blocking writes.
-- Source: squawk docs, require-concurrent-reindex
-- expect: none
-- tenantdb: no-transaction
REINDEX TABLE CONCURRENTLY users;
