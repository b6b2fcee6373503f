-- Operational Efficiency, per customer (selects FROM figures): cost per 1,000 delivered e-mails (total cost x 1000 /
-- delivered, 4 decimals; none without deliveries). Keyset: (cost_per_1000_delivered DESC NULLS LAST, tenant_id),
-- sorted as (coalesce(cost_per_1000_delivered, -1) DESC, tenant_id); the first %(limit)s rows after the row of tenant
-- %(after)s (None: from the start; a tenant without a row in the month: no rows).
SELECT f.tenant_id,
       f.company_name,
       f.slug,
       f.plan_name,
       f.emails_delivered,
       f.total_cost,
       c.cost_per_1000_delivered,
       round(f.utilization, 6) AS dedicated_utilization
FROM figures f
CROSS JOIN LATERAL (
    SELECT CASE WHEN f.emails_delivered > 0 THEN round(f.total_cost * 1000 / f.emails_delivered, 4) END
               AS cost_per_1000_delivered
) c
CROSS JOIN LATERAL (SELECT coalesce(c.cost_per_1000_delivered, -1) AS sort) k
CROSS JOIN (
    SELECT (SELECT coalesce(round(a.total_cost * 1000 / NULLIF(a.emails_delivered, 0), 4), -1)
            FROM figures a WHERE a.tenant_id = %(after)s::uuid) AS value
) p
WHERE %(after)s::uuid IS NULL
   OR k.sort < p.value
   OR (k.sort = p.value AND f.tenant_id > %(after)s::uuid)
ORDER BY k.sort DESC, f.tenant_id
LIMIT %(limit)s
