-- A tenant token's own allocation lines of %(month)s, as a tenant role may read them: bi_tenant_cost_lines, its share
-- of each pool (amount) and its own weight (driver_value), never the pool's cost (unit_cost) or total weight
-- (driver_total), which derive from other tenants' volume (RELIABILITY R27). Through the key (tenant_id, month).
SELECT l.line_id, l.category, l.cost_kind, l.pool_id, l.resource_kind, l.resource_id, l.rule, l.driver,
       l.driver_value, l.amount
FROM bi_tenant_cost_lines l
WHERE l.tenant_id = %(tenant_id)s
  AND l.month = %(month)s
ORDER BY l.category, l.cost_kind, l.amount DESC, l.line_id
