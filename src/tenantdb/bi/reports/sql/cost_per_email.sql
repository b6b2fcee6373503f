-- Cost per delivered e-mail of every customer (cost only, never revenue), most expensive first; customers
-- without deliveries have none and come last.
SELECT f.tenant_id, f.company_name, f.plan_name, f.emails_delivered, f.total_cost, f.recognized_revenue,
       f.cost_per_email_delivered, f.cost_per_1000_delivered,
       CASE WHEN f.emails_delivered > 0 THEN round(f.recognized_revenue * 1000 / f.emails_delivered, 4) END
           AS revenue_per_1000_delivered
FROM tenants f
ORDER BY f.cost_per_email_delivered DESC NULLS LAST, f.company_name, f.tenant_id
