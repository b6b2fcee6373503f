-- Resource lines of the month %(month)s that are gone or differ from bi_month_lines (month_resource_lines.sql).
-- Lines that did not change are left alone: a refresh after a small change rewrites only what it changed.
DELETE FROM bi_cost_allocation_lines l
WHERE l.month = %(month)s::date
  AND l.category IN ('dedicated', 'warmup_investment')
  AND NOT EXISTS (
      SELECT FROM bi_month_lines n
      WHERE n.tenant_id = l.tenant_id
        AND n.line_id = l.line_id
        AND (n.pool_id, n.resource_kind, n.resource_id, n.cost_kind, n.category, n.rule, n.driver, n.driver_value,
             n.driver_total, n.unit_cost, n.amount)
            IS NOT DISTINCT FROM
            (l.pool_id, l.resource_kind, l.resource_id, l.cost_kind, l.category, l.rule, l.driver, l.driver_value,
             l.driver_total, l.unit_cost, l.amount)
  )
