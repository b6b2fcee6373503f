-- A month's first resource lines: all of bi_month_lines (month_resource_lines.sql), in key order, so the primary
-- key's leaves are filled in one sweep instead of at random.
INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind,
                                      category, rule, driver, driver_value, driver_total, unit_cost, amount)
SELECT n.tenant_id, n.month, n.line_id, n.pool_id, n.resource_kind, n.resource_id, n.cost_kind, n.category, n.rule,
       n.driver, n.driver_value, n.driver_total, n.unit_cost, n.amount
FROM bi_month_lines n
WHERE n.month = %(month)s::date
ORDER BY n.tenant_id, n.line_id
