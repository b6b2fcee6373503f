-- The months present in bi_tenant_monthly, oldest first. Only rows the reader may see count. No index leads with
-- month (every index of a tenant table leads with tenant_id, RELIABILITY R26). Every month the refresh wrote is
-- in bi_refresh_state (one row per month, written in the month's transaction), so each such month is probed
-- through the (tenant_id, month) key, company by company, stopping at the first row
-- the reader sees: a handful of index probes per month, whatever the number of tenants. Rollups written without
-- any recorded refresh (by hand) are found by one pass over the keys instead. Used when the reader may read
-- bi_refresh_state; refreshed_months_scan.sql otherwise.
SELECT r.month
FROM bi_refresh_state r
WHERE (SELECT true  -- scalar subqueries: the planner probes month by month instead of hashing every row
       FROM companies c
       WHERE (SELECT true FROM bi_tenant_monthly m WHERE m.tenant_id = c.id AND m.month = r.month LIMIT 1)
       LIMIT 1)
UNION
SELECT DISTINCT m.month FROM bi_tenant_monthly m WHERE NOT EXISTS (SELECT FROM bi_refresh_state)
ORDER BY 1
