-- Revenue Health Monitor, per customer (selects FROM figures): rates against the mailbox providers' published limits
-- (bounce 4%% near, 5%% review, 10%% suspension; spam 0.08%% near, 0.1%% limit, 0.3%% never reach), judged on the unrounded
-- rates and only at or above the minimum volume, and the revenue at risk in dollars.
-- Keyset: (revenue_at_risk DESC, tenant_id); the first %(limit)s rows after the row of tenant %(after)s (None: from
-- the start; a tenant without a row in the month: no rows).
SELECT f.tenant_id,
       f.company_name,
       f.slug,
       f.plan_name,
       f.recognized_revenue AS revenue,
       f.emails_sent,
       f.emails_delivered,
       round(f.bounce, 6) AS bounce_rate,
       round(f.spam, 6) AS spam_rate,
       CASE WHEN f.bounce IS NULL THEN 'no_data'
            WHEN f.below_min_volume THEN 'below_min_volume'
            WHEN f.bounce > 0.10 THEN 'over_maximum'
            WHEN f.bounce > 0.05 THEN 'over_limit'
            WHEN f.bounce > 0.04 THEN 'near_limit'
            ELSE 'within' END AS bounce_status,
       CASE WHEN f.spam IS NULL THEN 'no_data'
            WHEN f.below_min_volume THEN 'below_min_volume'
            WHEN f.spam > 0.003 THEN 'over_maximum'
            WHEN f.spam > 0.001 THEN 'over_limit'
            WHEN f.spam > 0.0008 THEN 'near_limit'
            ELSE 'within' END AS spam_status,
       f.business_health_status,
       f.revenue_at_risk
FROM figures f
CROSS JOIN (SELECT (SELECT a.revenue_at_risk FROM figures a WHERE a.tenant_id = %(after)s::uuid) AS value) c
WHERE %(after)s::uuid IS NULL
   OR f.revenue_at_risk < c.value
   OR (f.revenue_at_risk = c.value AND f.tenant_id > %(after)s::uuid)
ORDER BY f.revenue_at_risk DESC, f.tenant_id
LIMIT %(limit)s
