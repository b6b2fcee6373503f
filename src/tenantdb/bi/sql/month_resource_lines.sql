-- The month's resource lines, as they should be (a temporary table; stale_resource_lines and
-- new_resource_lines bring bi_cost_allocation_lines to it, writing only the lines that changed): one line per
-- tenant, cost kind, category and rule of its cost-bearing resources on dedicated servers (the owning tenant's
-- cost), and of its warming IP addresses in a pool (the platform's investment, charged to the address's owner,
-- one line per pool). driver 'resources', driver_value = how many; amount (and unit_cost) = the SUM of each
-- resource's round(monthly cost, 2), so every tenant's total is the same as with a line per resource. tenantdb report explain recomputes the
-- per-resource detail live (explain_resource_lines.sql). The line's id is derived from its grain: stable from one
-- refresh to the next.
CREATE TEMPORARY TABLE bi_month_lines ON COMMIT DROP AS
SELECT x.tenant_id, %(month)s::date AS month,
       md5('resources/' || x.cost_kind || '/' || x.category || '/' || x.rule || '/' || coalesce(x.pool_id::text, ''))
           ::uuid AS line_id,
       x.pool_id, CASE x.cost_kind WHEN 'infrastructure' THEN 'vps' ELSE 'ip' END AS resource_kind,
       NULL::uuid AS resource_id, x.cost_kind, x.category, x.rule,
       'resources'::text AS driver, x.resources AS driver_value, NULL::numeric AS driver_total,
       x.amount AS unit_cost, x.amount
FROM (
    SELECT r.tenant_id, CASE WHEN r.tenancy = 'dedicated' THEN NULL ELSE r.pool_id END AS pool_id, r.cost_kind,
           CASE WHEN r.warming THEN 'warmup_investment' ELSE 'dedicated' END AS category,
           CASE WHEN r.tenancy = 'dedicated' THEN 'dedicated' ELSE 'platform_investment' END AS rule,
           count(*)::numeric AS resources,
           sum(round(r.monthly_cost, 2))::numeric(12,2) AS amount
    FROM pg_temp.bi_month_resources(%(month)s::date) r
    WHERE r.cost_bearing
      AND (r.tenancy = 'dedicated' OR (r.warming AND r.pool_id IS NOT NULL))
    GROUP BY 1, 2, 3, 4, 5
) x
