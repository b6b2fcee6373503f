-- Benchmarks, the distribution of each metric over the customers with a value (selects FROM figures): percentiles
-- (percentile_disc: a customer's own value, exact) and the customers in each fixed bin (width_bucket over the edges
-- placeholders gross_margin_ratio_edges, cost_per_1000_delivered_edges, bounce_rate_edges and spam_rate_edges: bucket 0 is below the first edge, the last one at or above the last edge).
WITH v AS (
    SELECT x.metric, x.value
    FROM figures f
    CROSS JOIN LATERAL (VALUES
        ('gross_margin_ratio', f.margin),
        ('cost_per_1000_delivered', CASE WHEN f.emails_delivered > 0 THEN f.total_cost * 1000 / f.emails_delivered END),
        ('bounce_rate', f.bounce),
        ('spam_rate', f.spam)
    ) AS x (metric, value)
    WHERE x.value IS NOT NULL
), bucketed AS (
    SELECT v.metric, v.value,
           width_bucket(v.value, CASE v.metric WHEN 'gross_margin_ratio' THEN %(gross_margin_ratio_edges)s::numeric[]
                                               WHEN 'cost_per_1000_delivered'
                                                   THEN %(cost_per_1000_delivered_edges)s::numeric[]
                                               WHEN 'bounce_rate' THEN %(bounce_rate_edges)s::numeric[]
                                               ELSE %(spam_rate_edges)s::numeric[] END) AS bucket
    FROM v
), bins AS (
    SELECT c.metric, jsonb_object_agg(c.bucket, c.tenants)::text AS buckets
    FROM (SELECT x.metric, x.bucket, count(*) AS tenants FROM bucketed x GROUP BY x.metric, x.bucket) c
    GROUP BY c.metric
), percentiles AS (
    SELECT b.metric,
           count(*) AS tenants,
           round(percentile_disc(0.10) WITHIN GROUP (ORDER BY b.value), 6) AS p10,
           round(percentile_disc(0.25) WITHIN GROUP (ORDER BY b.value), 6) AS p25,
           round(percentile_disc(0.50) WITHIN GROUP (ORDER BY b.value), 6) AS p50,
           round(percentile_disc(0.75) WITHIN GROUP (ORDER BY b.value), 6) AS p75,
           round(percentile_disc(0.90) WITHIN GROUP (ORDER BY b.value), 6) AS p90
    FROM bucketed b
    GROUP BY b.metric
)
SELECT p.*, n.buckets
FROM percentiles p
JOIN bins n ON n.metric = p.metric
ORDER BY p.metric
