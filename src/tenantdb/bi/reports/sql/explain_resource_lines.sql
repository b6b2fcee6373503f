-- One tenant's resource lines of the month, per resource, computed live (the rollup holds one line per tenant,
-- cost kind, category and rule: month_resource_lines.sql): what each dedicated resource and each warming IP address
-- of a pool cost, amount = round(monthly cost, 2), so they add up to the stored lines exactly. Preceded by
-- "WITH resources AS (<the body of pg_temp.bi_month_resources>)" (statements.month_resources_query); the tenant's
-- rows are read through the tenant_id-leading keys.
SELECT r.resource_id AS line_id,
       CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END AS category, r.cost_kind,
       CASE WHEN r.tenancy = 'dedicated' THEN NULL ELSE r.pool_id END AS pool_id, cp.name AS pool_name,
       r.resource_kind, r.resource_id, r.reference AS resource_name,
       CASE WHEN r.tenancy = 'dedicated' THEN 'dedicated' ELSE 'platform_investment' END AS rule,
       NULL::text AS driver, NULL::numeric AS driver_value, NULL::numeric AS driver_total, NULL::numeric AS share,
       round(r.monthly_cost, 6) AS unit_cost, round(r.monthly_cost, 2)::numeric(12,2) AS amount
FROM resources r
LEFT JOIN cost_pools cp ON cp.pool_id = r.pool_id AND r.tenancy <> 'dedicated'
WHERE r.tenant_id = %(tenant_id)s
  AND r.cost_bearing
  AND (r.tenancy = 'dedicated' OR (r.warming AND r.pool_id IS NOT NULL))
ORDER BY array_position(ARRAY['dedicated', 'warmup_investment'],
                        CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END),
         array_position(ARRAY['infrastructure', 'email_service'], r.cost_kind), cp.name, r.reference, r.resource_id
