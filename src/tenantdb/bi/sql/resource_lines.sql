-- One line per cost-bearing resource of a dedicated server (the owning tenant's cost), and per warming IP address
-- of a pool (the platform's investment, charged to the address's owner): amount = round(monthly cost, 2).
INSERT INTO bi_cost_allocation_lines (tenant_id, month, pool_id, resource_kind, resource_id, cost_kind, category,
                                      rule, driver, driver_value, driver_total, unit_cost, amount)
SELECT r.tenant_id, %(month)s::date,
       CASE WHEN r.tenancy = 'dedicated' THEN NULL ELSE r.pool_id END,
       r.resource_kind, r.resource_id, r.cost_kind,
       CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END,
       CASE WHEN r.tenancy = 'dedicated' THEN 'dedicated' ELSE 'platform_investment' END,
       NULL, NULL, NULL, r.monthly_cost, round(r.monthly_cost, 2)
FROM bi_month_resources r
WHERE r.cost_bearing
  AND (r.tenancy = 'dedicated' OR (r.warming AND r.pool_id IS NOT NULL))
