-- Totals of the reporting month and the month before it (for the trend), straight from bi_tenant_monthly: the two
-- months' rows of each company through the key (tenant_id, month), as tenant_figures.sql reads them (no index leads
-- with month: RELIABILITY R26). Months are first days (a CHECK of the table), so the range holds the two months.
SELECT m.month,
       count(*) AS tenants,
       sum(v.revenue) AS revenue,
       sum(m.infrastructure_cost) AS infrastructure_cost,
       sum(m.email_service_cost) AS email_service_cost,
       sum(m.total_cost) AS cost,
       sum(v.revenue) - sum(m.total_cost) AS profit,
       CASE WHEN sum(v.revenue) <> 0
            THEN round((sum(v.revenue) - sum(m.total_cost)) / sum(v.revenue), 6)
       END AS gross_margin_ratio,
       sum(m.emails_sent)::bigint AS emails_sent,
       sum(m.emails_delivered)::bigint AS emails_delivered,
       CASE WHEN sum(m.emails_delivered) > 0
            THEN round(sum(m.total_cost) * 1000 / sum(m.emails_delivered), 4) END AS cost_per_1000_delivered,
       sum(0.05 * m.emails_bounced + 0.25 * m.spam_complaints) AS revenue_at_risk,
       count(*) FILTER (WHERE m.total_cost > v.revenue) AS unprofitable_tenants,
       coalesce(sum(m.total_cost - v.revenue) FILTER (WHERE m.total_cost > v.revenue), 0)
           AS unprofitable_loss
FROM bi_tenant_monthly m
CROSS JOIN LATERAL (  -- the revenue on the report's basis
    SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
) v
WHERE m.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))  -- tenant by tenant: the key leads with it
  AND m.month BETWEEN (%(month)s::date - interval '1 month')::date AND %(month)s  -- one key range per tenant
GROUP BY m.month
ORDER BY m.month DESC
