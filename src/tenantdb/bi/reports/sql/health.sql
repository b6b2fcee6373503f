-- How many customers are in each health status, how many carry each reason code, and how many need attention
-- (not Excellent, or any reason code: the rows of attention.sql).
SELECT 'status' AS kind, f.business_health_status AS name, count(*) AS tenants,
       sum(f.recognized_revenue) AS revenue, sum(f.total_cost) AS cost
FROM figures f
GROUP BY f.business_health_status
UNION ALL
SELECT 'reason', reason, count(*), sum(f.recognized_revenue), sum(f.total_cost)
FROM figures f, unnest(f.reasons) AS reason
GROUP BY reason
UNION ALL
SELECT 'attention', 'needs attention', count(*), coalesce(sum(f.recognized_revenue), 0), coalesce(sum(f.total_cost), 0)
FROM figures f
WHERE f.business_health_status <> 'Excellent' OR cardinality(f.reasons) > 0
