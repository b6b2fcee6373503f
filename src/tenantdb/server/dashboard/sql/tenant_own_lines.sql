-- A tenant login's own allocation lines of %(month)s: bi_tenant_cost_lines, its share of each pool without the
-- pool's total weight or cost (RELIABILITY R27); row-level security shows only its rows.
SELECT category, cost_kind, resource_kind, rule, driver, driver_value, amount
FROM bi_tenant_cost_lines
WHERE month = %(month)s
ORDER BY category, amount DESC, line_id
