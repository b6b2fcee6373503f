-- Resource lines of bi_month_lines that the month %(month)s does not hold (new, or changed and deleted by
-- stale_resource_lines.sql), in key order: the primary key's leaves are filled in one sweep, not at random.
INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind,
                                      category, rule, driver, driver_value, driver_total, unit_cost, amount)
SELECT n.tenant_id, n.month, n.line_id, n.pool_id, n.resource_kind, n.resource_id, n.cost_kind, n.category, n.rule,
       n.driver, n.driver_value, n.driver_total, n.unit_cost, n.amount
FROM bi_month_lines n
WHERE NOT EXISTS (
    SELECT FROM bi_cost_allocation_lines l
    WHERE l.tenant_id = n.tenant_id AND l.month = %(month)s::date AND l.line_id = n.line_id
)
ORDER BY n.tenant_id, n.line_id
