-- Per-plan preview of the demo data: tenants, monthly revenue, modeled VPS cost and gross margin.
-- Revenue is the plan's monthly price; cost is the approximate_cost of each tenant's own VPS instances.
WITH tenant_cost AS (
    SELECT tenant_id, sum(approximate_cost) AS cost
    FROM vps_instances
    GROUP BY tenant_id
)
SELECT p.name                                                        AS plan,
       count(*)                                                      AS tenants,
       sum(p.price_monthly)                                          AS revenue,
       coalesce(sum(c.cost), 0)                                      AS infrastructure_cost,
       CASE WHEN sum(p.price_monthly) > 0
            THEN round((sum(p.price_monthly) - coalesce(sum(c.cost), 0)) / sum(p.price_monthly), 4)
       END                                                           AS gross_margin_ratio
FROM subscriptions s
JOIN plans p ON p.plan_id = s.plan_id
LEFT JOIN tenant_cost c ON c.tenant_id = s.tenant_id
GROUP BY p.name, p.price_monthly
ORDER BY p.price_monthly;
