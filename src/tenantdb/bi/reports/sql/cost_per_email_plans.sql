-- Cost per delivered e-mail per plan: the plan's total cost over its total deliveries.
SELECT f.plan_name,
       count(*) AS tenants,
       sum(f.emails_delivered)::bigint AS emails_delivered,
       sum(f.total_cost) AS total_cost,
       CASE WHEN sum(f.emails_delivered) > 0 THEN round(sum(f.total_cost) / sum(f.emails_delivered), 6) END
           AS cost_per_email_delivered,
       CASE WHEN sum(f.emails_delivered) > 0 THEN round(sum(f.total_cost) * 1000 / sum(f.emails_delivered), 4) END
           AS cost_per_1000_delivered
FROM figures f
GROUP BY f.plan_name
ORDER BY max(f.price_monthly), f.plan_name NULLS FIRST
