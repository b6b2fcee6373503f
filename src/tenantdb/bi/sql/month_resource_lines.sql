-- The month's resource lines, as they should be (a temporary table; stale_resource_lines and
-- new_resource_lines bring bi_cost_allocation_lines to it, writing only the lines that changed): one line per
-- cost-bearing resource of a dedicated server (the owning tenant's cost), and per warming IP address of a pool
-- (the platform's investment, charged to the address's owner), amount = round(monthly cost, 2). The line's id is
-- the resource's: stable from one refresh to the next.
CREATE TEMPORARY TABLE bi_month_lines ON COMMIT DROP AS
SELECT r.tenant_id, %(month)s::date AS month, r.resource_id AS line_id,
       CASE WHEN r.tenancy = 'dedicated' THEN NULL ELSE r.pool_id END AS pool_id,
       r.resource_kind, r.resource_id, r.cost_kind,
       CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END AS category,
       CASE WHEN r.tenancy = 'dedicated' THEN 'dedicated' ELSE 'platform_investment' END AS rule,
       NULL::text AS driver, NULL::numeric AS driver_value, NULL::numeric AS driver_total,
       r.monthly_cost AS unit_cost, round(r.monthly_cost, 2)::numeric(12,2) AS amount
FROM pg_temp.bi_month_resources(%(month)s::date) r
WHERE r.cost_bearing
  AND (r.tenancy = 'dedicated' OR (r.warming AND r.pool_id IS NOT NULL))
