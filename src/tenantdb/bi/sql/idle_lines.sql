-- Idle capacity of each unit (the part of C its members did not use, or all of C without members), charged to
-- the pool's operator; driver_value is what the members sent (U), driver_total the servers' capacity (K). The
-- line's id is derived from the pool and cost kind: stable from one refresh to the next.
INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind,
                                      category, rule, driver, driver_value, driver_total, unit_cost, amount)
SELECT u.operator_id, %(month)s::date, md5('idle/' || u.pool_id || '/' || u.cost_kind)::uuid, u.pool_id, NULL, NULL,
       u.cost_kind, 'idle_capacity', 'idle_capacity',
       'utilization', u.used, u.capacity, u.unit_cents / 100, u.idle_cents / 100
FROM bi_month_units u
WHERE u.idle_cents > 0
  AND u.operator_id IS NOT NULL
