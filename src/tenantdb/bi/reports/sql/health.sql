-- How many customers are in each health status, how many carry each reason code (with their revenue and cost),
-- and how many need attention (neither Excellent nor Not Applicable, or any reason code: the rows of
-- attention.sql). One pass over the figures: the reason counts are filtered aggregates, one row per code.
WITH reasons AS (
    SELECT count(*) FILTER (WHERE f.margin_below_target) AS margin_below_target,
           count(*) FILTER (WHERE f.unprofitable) AS unprofitable,
           count(*) FILTER (WHERE f.bounce_near_limit) AS bounce_near_limit,
           count(*) FILTER (WHERE f.bounce_over_limit) AS bounce_over_limit,
           count(*) FILTER (WHERE f.complaints_near_limit) AS complaints_near_limit,
           count(*) FILTER (WHERE f.complaints_over_limit) AS complaints_over_limit,
           count(*) FILTER (WHERE f.idle_dedicated_capacity) AS idle_dedicated_capacity,
           count(*) FILTER (WHERE f.no_revenue) AS no_revenue,
           array[coalesce(sum(f.recognized_revenue) FILTER (WHERE f.margin_below_target), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.unprofitable), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.bounce_near_limit), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.bounce_over_limit), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.complaints_near_limit), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.complaints_over_limit), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.idle_dedicated_capacity), 0),
                 coalesce(sum(f.recognized_revenue) FILTER (WHERE f.no_revenue), 0)] AS revenue,
           array[coalesce(sum(f.total_cost) FILTER (WHERE f.margin_below_target), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.unprofitable), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.bounce_near_limit), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.bounce_over_limit), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.complaints_near_limit), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.complaints_over_limit), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.idle_dedicated_capacity), 0),
                 coalesce(sum(f.total_cost) FILTER (WHERE f.no_revenue), 0)] AS cost,
           count(*) FILTER (WHERE a.attention) AS attention,
           coalesce(sum(f.recognized_revenue) FILTER (WHERE a.attention), 0) AS attention_revenue,
           coalesce(sum(f.total_cost) FILTER (WHERE a.attention), 0) AS attention_cost
    FROM figures f
    CROSS JOIN LATERAL (
        SELECT f.business_health_status NOT IN ('Excellent', 'Not Applicable') OR f.has_reasons AS attention
    ) a
)
SELECT 'status' AS kind, f.business_health_status AS name, count(*) AS tenants,
       sum(f.recognized_revenue) AS revenue, sum(f.total_cost) AS cost
FROM figures f
GROUP BY f.business_health_status
UNION ALL
SELECT 'reason', c.name, c.tenants, r.revenue[c.position], r.cost[c.position]
FROM reasons r
CROSS JOIN LATERAL (VALUES
    (1, 'margin_below_target', r.margin_below_target),
    (2, 'unprofitable', r.unprofitable),
    (3, 'bounce_near_limit', r.bounce_near_limit),
    (4, 'bounce_over_limit', r.bounce_over_limit),
    (5, 'complaints_near_limit', r.complaints_near_limit),
    (6, 'complaints_over_limit', r.complaints_over_limit),
    (7, 'idle_dedicated_capacity', r.idle_dedicated_capacity),
    (8, 'no_revenue', r.no_revenue)
) AS c (position, name, tenants)
WHERE c.tenants > 0
UNION ALL
SELECT 'attention', 'needs attention', r.attention, r.attention_revenue, r.attention_cost
FROM reasons r
