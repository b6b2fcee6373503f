-- Totals of the months from %(first_month)s to %(month)s (the reporting month, and the month before it for the
-- trend), with the platform's whole cost (docs/business-metrics.md, "The portfolio"). Selects FROM resources: every
-- resource's modeled cost in those months (the body of pg_temp.bi_month_resources with a month column,
-- executive.month_totals_query()).
--
-- Customers: their bi_tenant_monthly rows, read company by company through the key (tenant_id, month), as
-- tenant_figures.sql reads them (no index leads with month: RELIABILITY R26); months are first days (a CHECK of
-- the table), so the range holds the two months. The platform: the allocation lines charged to platform operators,
-- through the same key. Modeled: the month's resources plus the pools' overhead, rounded to the cent once; what no
-- line carries is unallocated, so the portfolio's cost is the modeled cost of the month exactly.
WITH customers AS (
    SELECT m.month,
           count(*) AS tenants,
           sum(v.revenue) AS revenue,
           sum(m.total_cost) AS cost,
           sum(m.deferred_revenue) AS deferred_revenue,  -- a balance at the month's end, whatever the basis
           sum(m.infrastructure_cost) AS infrastructure_cost,
           sum(m.email_service_cost) AS email_service_cost,
           sum(m.emails_sent)::bigint AS emails_sent,
           sum(m.emails_delivered)::bigint AS emails_delivered,
           sum(tenantdb_bi_revenue_at_risk(v.revenue, m.emails_sent, m.emails_delivered,
                                           m.emails_bounced, m.spam_complaints, %(min_volume)s)) AS revenue_at_risk,
           count(*) FILTER (WHERE x.unprofitable) AS unprofitable_tenants,
           coalesce(sum(m.total_cost - v.revenue) FILTER (WHERE x.unprofitable), 0) AS unprofitable_loss
    FROM bi_tenant_monthly m
    CROSS JOIN LATERAL (  -- the revenue on the report's basis
        SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
    ) v
    CROSS JOIN LATERAL (  -- tenant_figures.sql's reason code: not for free-plan and trialing customers
        SELECT m.total_cost > v.revenue
               AND tenantdb_bi_margin_exemption(v.revenue, m.plan_id, m.price_monthly, m.subscription_status,
                                                m.emails_sent, %(min_volume)s) IN ('free_plan', 'trial') IS NOT TRUE
                   AS unprofitable
    ) x
    WHERE m.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))  -- tenant by tenant: the key leads with it
      AND m.month BETWEEN %(first_month)s::date AND %(month)s  -- one key range per tenant
    GROUP BY m.month
), platform AS (
    SELECT l.month,
           sum(l.amount) FILTER (WHERE l.category = 'idle_capacity') AS idle_capacity,
           sum(l.amount) FILTER (WHERE l.category = 'warmup_investment') AS warmup_investment,
           sum(l.amount) FILTER (WHERE l.category NOT IN ('idle_capacity', 'warmup_investment')) AS platform_resources,
           sum(l.amount) FILTER (WHERE l.cost_kind = 'infrastructure') AS infrastructure_cost,
           sum(l.amount) FILTER (WHERE l.cost_kind = 'email_service') AS email_service_cost
    FROM bi_cost_allocation_lines l
    WHERE l.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o WHERE o.is_platform_operator))
      AND l.month BETWEEN %(first_month)s::date AND %(month)s
    GROUP BY l.month
), resource_cost AS (
    SELECT r.month,
           sum(r.monthly_cost) FILTER (WHERE r.cost_kind = 'infrastructure') AS infrastructure_cost,
           sum(r.monthly_cost) FILTER (WHERE r.cost_kind = 'email_service') AS email_service_cost
    FROM resources r
    GROUP BY r.month
), modeled AS (
    SELECT c.month,
           round(coalesce(r.infrastructure_cost, 0)
                 + (SELECT coalesce(sum(p.monthly_overhead), 0) FROM cost_pools p), 2) AS infrastructure_cost,
           round(coalesce(r.email_service_cost, 0), 2) AS email_service_cost
    FROM customers c
    LEFT JOIN resource_cost r ON r.month = c.month
), portfolio AS (
    SELECT c.*,
           c.revenue - c.cost AS customers_profit,
           coalesce(p.idle_capacity, 0) AS idle_capacity,
           coalesce(p.warmup_investment, 0) AS warmup_investment,
           coalesce(p.platform_resources, 0) AS platform_resources,
           -- modeled cost that no line carries, by kind (rounding, shared resources in no pool, ...)
           coalesce(d.infrastructure_cost, 0) - c.infrastructure_cost - coalesce(p.infrastructure_cost, 0)
               AS unallocated_infrastructure,
           coalesce(d.email_service_cost, 0) - c.email_service_cost - coalesce(p.email_service_cost, 0)
               AS unallocated_email_service
    FROM customers c
    LEFT JOIN platform p ON p.month = c.month
    LEFT JOIN modeled d ON d.month = c.month
), whole AS (
    SELECT p.*,
           p.infrastructure_cost + coalesce(x.infrastructure_cost, 0) + p.unallocated_infrastructure
               AS portfolio_infrastructure_cost,
           p.email_service_cost + coalesce(x.email_service_cost, 0) + p.unallocated_email_service
               AS portfolio_email_service_cost
    FROM portfolio p
    LEFT JOIN platform x ON x.month = p.month
)
SELECT w.month,
       w.tenants,
       w.revenue,
       w.deferred_revenue,
       w.portfolio_infrastructure_cost AS infrastructure_cost,
       w.portfolio_email_service_cost AS email_service_cost,
       t.cost,
       w.revenue - t.cost AS profit,
       CASE WHEN w.revenue <> 0 THEN round((w.revenue - t.cost) / w.revenue, 6) END AS gross_margin_ratio,
       tenantdb_bi_health_status(w.revenue, t.cost, NULL) AS overall_health,
       w.cost AS customers_cost,
       w.customers_profit,
       w.idle_capacity,
       w.warmup_investment,
       w.platform_resources,
       w.unallocated_infrastructure + w.unallocated_email_service AS unallocated,
       w.emails_sent,
       w.emails_delivered,
       CASE WHEN w.emails_delivered > 0
            THEN round(t.cost * 1000 / w.emails_delivered, 4) END AS cost_per_1000_delivered,
       w.revenue_at_risk,
       w.unprofitable_tenants,
       w.unprofitable_loss
FROM whole w
CROSS JOIN LATERAL (SELECT w.portfolio_infrastructure_cost + w.portfolio_email_service_cost AS cost) t
ORDER BY w.month DESC
