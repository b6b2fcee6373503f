-- Every cost pool's month: its allocated cost, idle-capacity line and members. Other queries select FROM pools.
SELECT l.pool_id,
       coalesce(max(cp.name), l.pool_id::text) AS pool_name,
       string_agg(DISTINCT l.rule, ', ') AS rules,
       sum(l.amount) AS pool_cost,
       coalesce(sum(l.amount) FILTER (WHERE l.category = 'idle_capacity'), 0) AS idle_cost,
       CASE WHEN sum(l.amount) <> 0
            THEN round(coalesce(sum(l.amount) FILTER (WHERE l.category = 'idle_capacity'), 0) / sum(l.amount), 6)
       END AS idle_share,
       count(DISTINCT l.tenant_id) FILTER (WHERE l.category <> 'idle_capacity') AS members
FROM bi_cost_allocation_lines l
LEFT JOIN cost_pools cp ON cp.pool_id = l.pool_id
WHERE l.month = %(month)s AND l.pool_id IS NOT NULL
GROUP BY l.pool_id
