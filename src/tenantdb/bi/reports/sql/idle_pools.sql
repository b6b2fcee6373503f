-- The idle-capacity lines of the month, per cost pool: they are charged to the platform operators, so they are read
-- through the rollup's key of the few operator companies. idle_share is the idle amount over the cost of the
-- allocation units it was taken from (an idle line's unit_cost). Other report queries select FROM idle_pools.
SELECT l.pool_id,
       coalesce(max(cp.name), l.pool_id::text) AS pool_name,
       sum(l.amount) AS idle_cost,
       CASE WHEN sum(l.unit_cost) > 0 THEN round(sum(l.amount) / sum(l.unit_cost), 6) END AS idle_share
FROM bi_cost_allocation_lines l
LEFT JOIN cost_pools cp ON cp.pool_id = l.pool_id
WHERE l.tenant_id IN (SELECT c.id FROM companies c WHERE c.is_platform_operator)
  AND l.month = %(month)s AND l.category = 'idle_capacity' AND l.pool_id IS NOT NULL
GROUP BY l.pool_id
