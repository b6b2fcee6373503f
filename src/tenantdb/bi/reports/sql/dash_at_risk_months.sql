-- The customers with revenue at risk (tenantdb_bi_revenue_at_risk > 0, on the report's basis) in each month from
-- %(first_month)s to %(month)s: bi_tenant_monthly read company by company through its key (tenant_id, month).
SELECT m.month,
       count(*) FILTER (WHERE tenantdb_bi_revenue_at_risk(v.revenue, m.emails_sent, m.emails_delivered,
                                                          m.emails_bounced, m.spam_complaints, %(min_volume)s) > 0)
           AS at_risk_tenants
FROM bi_tenant_monthly m
CROSS JOIN LATERAL (
    SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
) v
WHERE m.tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))
  AND m.month BETWEEN %(first_month)s::date AND %(month)s
GROUP BY m.month
