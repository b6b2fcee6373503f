-- VACUUM (ANALYZE) orders in a non-transactional migration.
-- Safe: plain VACUUM takes SHARE UPDATE EXCLUSIVE: reads and writes continue.
-- Source: squawk docs, prefer-repack (plain VACUUM is fine); PostgreSQL docs, VACUUM
-- expect: none
-- tenantdb: no-transaction
VACUUM (ANALYZE) orders;
