-- A tenant login's own months from %(first_month)s to %(month)s (row-level security shows only its rows).
SELECT month, company_name, plan_name, recognized_revenue, total_cost, emails_sent, emails_delivered,
       emails_bounced, spam_complaints
FROM bi_tenant_monthly
WHERE month BETWEEN %(first_month)s AND %(month)s
ORDER BY month
