-- VACUUM FULL orders.
-- Unsafe: rewrites the table under ACCESS EXCLUSIVE for the whole copy.
-- Source: squawk docs, prefer-repack; PostgreSQL docs, VACUUM FULL
-- expect: ban-vacuum-full
-- tenantdb: no-transaction
VACUUM FULL orders;
