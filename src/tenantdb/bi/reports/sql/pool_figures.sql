-- Every cost pool's month: what its lines add up to, its idle-capacity line (share as in idle_pools) and its
-- members. Reads all of the month's pool lines, company by company through the key (tenant_id, month, ...): no index
-- leads with month or pool (RELIABILITY R26). Other report queries select FROM pools.
SELECT l.pool_id,
       coalesce(max(cp.name), l.pool_id::text) AS pool_name,
       string_agg(DISTINCT l.rule, ', ') AS rules,
       sum(l.amount) AS pool_cost,
       coalesce(sum(l.amount) FILTER (WHERE l.category = 'idle_capacity'), 0) AS idle_cost,
       CASE WHEN sum(l.unit_cost) FILTER (WHERE l.category = 'idle_capacity') > 0
            THEN round(sum(l.amount) FILTER (WHERE l.category = 'idle_capacity')
                       / sum(l.unit_cost) FILTER (WHERE l.category = 'idle_capacity'), 6)
            ELSE 0 END AS idle_share,
       count(DISTINCT l.tenant_id) FILTER (WHERE l.category <> 'idle_capacity') AS members
FROM bi_cost_allocation_lines l
LEFT JOIN cost_pools cp ON cp.pool_id = l.pool_id
WHERE l.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))  -- tenant by tenant: the key leads with it
  AND l.month = %(month)s AND l.pool_id IS NOT NULL
GROUP BY l.pool_id
