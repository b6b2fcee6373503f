-- The months present in bi_tenant_monthly, oldest first, for a reader who may not read bi_refresh_state: one pass
-- over the keys (an index-only scan of the primary key when the table is vacuumed). Only rows the reader may see
-- count.
SELECT DISTINCT m.month FROM bi_tenant_monthly m ORDER BY m.month
