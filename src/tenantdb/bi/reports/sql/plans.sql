-- Plan profitability over the month's customers (recognized revenue), with the spread of the tenant margins
-- inside each plan (tenants without revenue have no margin and are left out of the spread). The three quartiles
-- are one aggregate (PostgreSQL computes identical aggregate calls once): one sort per plan.
SELECT f.plan_name,
       max(f.price_monthly) AS price_monthly,
       count(*) AS tenants,
       sum(f.recognized_revenue) AS revenue,
       sum(f.total_cost) AS cost,
       sum(f.profit) AS profit,
       CASE WHEN sum(f.recognized_revenue) <> 0
            THEN round(sum(f.profit) / sum(f.recognized_revenue), 6) END AS gross_margin_ratio,
       count(*) FILTER (WHERE f.unprofitable) AS unprofitable_tenants,  -- the reason code (not free or trial)
       sum(f.emails_delivered)::bigint AS emails_delivered,
       CASE WHEN sum(f.emails_delivered) > 0
            THEN round(sum(f.total_cost) * 1000 / sum(f.emails_delivered), 4) END AS cost_per_1000_delivered,
       count(f.margin) AS tenants_with_margin,
       round(min(f.margin), 6) AS margin_min,
       round((percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY f.margin))[1]::numeric, 6) AS margin_p25,
       round((percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY f.margin))[2]::numeric, 6) AS margin_median,
       round((percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY f.margin))[3]::numeric, 6) AS margin_p75,
       round(max(f.margin), 6) AS margin_max
FROM figures f
GROUP BY f.plan_name
ORDER BY max(f.price_monthly), f.plan_name NULLS FIRST
