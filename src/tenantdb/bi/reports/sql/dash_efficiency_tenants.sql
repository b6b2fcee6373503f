-- Operational Efficiency, per customer (selects FROM figures): cost per 1,000 delivered e-mails (total cost x 1000 /
-- delivered, 4 decimals; none without deliveries). Keyset: (cost_per_1000_delivered DESC NULLS LAST, tenant_id);
-- the first %(limit)s rows.
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
ORDER BY c.cost_per_1000_delivered DESC NULLS LAST, f.tenant_id
LIMIT %(limit)s
