-- The months present in bi_tenant_monthly, oldest first. Only rows the reader may see count. No index leads with
-- month (every index of a tenant table leads with tenant_id, RELIABILITY R26), so this is one pass over the keys
-- (an index-only scan of the primary key when the table is vacuumed), not one pass per month.
SELECT DISTINCT m.month FROM bi_tenant_monthly m ORDER BY m.month
