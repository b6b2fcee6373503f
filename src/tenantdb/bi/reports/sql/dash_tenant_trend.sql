-- Tenant page: one customer's months from %(first_month)s to %(month)s (its bi_tenant_monthly rows through the key
-- (tenant_id, month)): revenue on the report's basis, allocated cost, profit, gross margin, e-mails, cost per 1,000
-- delivered.
SELECT m.month,
       v.revenue,
       m.total_cost AS cost,
       v.revenue - m.total_cost AS profit,
       CASE WHEN v.revenue <> 0 THEN round((v.revenue - m.total_cost) / v.revenue, 6) END AS gross_margin_ratio,
       m.emails_sent,
       m.emails_delivered,
       CASE WHEN m.emails_delivered > 0 THEN round(m.total_cost * 1000 / m.emails_delivered, 4) END
           AS cost_per_1000_delivered
FROM bi_tenant_monthly m
CROSS JOIN LATERAL (
    SELECT CASE %(basis)s WHEN 'cash_revenue' THEN m.cash_revenue ELSE m.recognized_revenue END AS revenue
) v
WHERE m.tenant_id = %(tenant_id)s
  AND m.month BETWEEN %(first_month)s::date AND %(month)s
ORDER BY m.month
