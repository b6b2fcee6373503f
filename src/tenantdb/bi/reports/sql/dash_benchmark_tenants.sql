-- Benchmarks, per customer (selects FROM figures): its rates against the published limits (as
-- dash_risk_tenants.sql) and its percentile rank among the customers with a value of each metric: percent_rank =
-- the share of the others strictly below it (0: the lowest, 1: the highest; NULL without a value). Higher is better
-- for margin, lower for cost per 1,000, bounce and spam. Keyset: (company_name, tenant_id); the first %(limit)s rows
-- after the row of tenant %(after)s (None: from the start; a tenant without a row in the month: no rows).
WITH b AS (
    SELECT f.*,
           CASE WHEN f.emails_delivered > 0 THEN f.total_cost * 1000 / f.emails_delivered END AS cpm
    FROM figures f
), ranked AS (
    SELECT b.*,
           CASE WHEN b.margin IS NOT NULL
                THEN percent_rank() OVER (PARTITION BY b.margin IS NULL ORDER BY b.margin) END AS margin_rank,
           CASE WHEN b.cpm IS NOT NULL
                THEN percent_rank() OVER (PARTITION BY b.cpm IS NULL ORDER BY b.cpm) END AS cost_per_1000_rank,
           CASE WHEN b.bounce IS NOT NULL
                THEN percent_rank() OVER (PARTITION BY b.bounce IS NULL ORDER BY b.bounce) END AS bounce_rank,
           CASE WHEN b.spam IS NOT NULL
                THEN percent_rank() OVER (PARTITION BY b.spam IS NULL ORDER BY b.spam) END AS spam_rank
    FROM b
)
SELECT r.tenant_id,
       r.company_name,
       r.slug,
       r.plan_name,
       r.below_min_volume,
       round(r.margin, 6) AS gross_margin_ratio,
       round(r.cpm, 4) AS cost_per_1000_delivered,
       round(r.bounce, 6) AS bounce_rate,
       round(r.spam, 6) AS spam_rate,
       CASE WHEN r.bounce IS NULL THEN 'no_data'
            WHEN r.below_min_volume THEN 'below_min_volume'
            WHEN r.bounce > 0.10 THEN 'over_maximum'
            WHEN r.bounce > 0.05 THEN 'over_limit'
            WHEN r.bounce > 0.04 THEN 'near_limit'
            ELSE 'within' END AS bounce_status,
       CASE WHEN r.spam IS NULL THEN 'no_data'
            WHEN r.below_min_volume THEN 'below_min_volume'
            WHEN r.spam > 0.003 THEN 'over_maximum'
            WHEN r.spam > 0.001 THEN 'over_limit'
            WHEN r.spam > 0.0008 THEN 'near_limit'
            ELSE 'within' END AS spam_status,
       round(r.margin_rank::numeric, 4) AS margin_rank,
       round(r.cost_per_1000_rank::numeric, 4) AS cost_per_1000_rank,
       round(r.bounce_rank::numeric, 4) AS bounce_rank,
       round(r.spam_rank::numeric, 4) AS spam_rank
FROM ranked r
CROSS JOIN (SELECT (SELECT a.company_name FROM figures a WHERE a.tenant_id = %(after)s::uuid) AS value) c
WHERE %(after)s::uuid IS NULL
   OR r.company_name > c.value
   OR (r.company_name = c.value AND r.tenant_id > %(after)s::uuid)
ORDER BY r.company_name, r.tenant_id
LIMIT %(limit)s
