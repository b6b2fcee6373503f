-- One line per cost-bearing resource of a dedicated server (the owning tenant's cost), and per warming IP address
-- of a pool (the platform's investment, charged to the address's owner): amount = round(monthly cost, 2). The
-- line's id is the resource's: stable from one refresh to the next.
INSERT INTO bi_cost_allocation_lines (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind,
                                      category, rule, driver, driver_value, driver_total, unit_cost, amount)
SELECT r.tenant_id, %(month)s::date, r.resource_id,
       CASE WHEN r.tenancy = 'dedicated' THEN NULL ELSE r.pool_id END,
       r.resource_kind, r.resource_id, r.cost_kind,
       CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END,
       CASE WHEN r.tenancy = 'dedicated' THEN 'dedicated' ELSE 'platform_investment' END,
       NULL, NULL, NULL, r.monthly_cost, round(r.monthly_cost, 2)
FROM pg_temp.bi_month_resources(%(month)s::date) r
WHERE r.cost_bearing
  AND (r.tenancy = 'dedicated' OR (r.warming AND r.pool_id IS NOT NULL))
-- In key order: the primary key's leaves are filled in one sweep instead of at random (a million lines a month).
ORDER BY r.tenant_id, r.resource_id
