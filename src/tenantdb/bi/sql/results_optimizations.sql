-- The cost optimizations (tenantdb actions list), newest month first and largest expected savings first, each with
-- its latest measured month (cost_optimization_results: remaining and realized) and how many months measured it.
-- Filters: %(month)s, %(status)s, %(tenant_id)s, %(optimization_id)s (each NULL for any).
SELECT o.optimization_id, o.month, o.kind, o.tenant_id, o.subject, o.pool_id, o.expected_savings, o.status,
       o.recommended_at, o.accepted_at, o.done_at, o.done_by, o.note,
       r.month AS measured_month, r.remaining, r.realized, coalesce(n.months, 0) AS months_measured
FROM cost_optimizations o
LEFT JOIN LATERAL (
    SELECT x.month, x.remaining, x.realized
    FROM cost_optimization_results x
    WHERE x.tenant_id IS NOT DISTINCT FROM o.tenant_id AND x.optimization_id = o.optimization_id
    ORDER BY x.month DESC
    LIMIT 1
) r ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS months
    FROM cost_optimization_results x
    WHERE x.tenant_id IS NOT DISTINCT FROM o.tenant_id AND x.optimization_id = o.optimization_id
) n ON true
WHERE (%(month)s::date IS NULL OR o.month = %(month)s::date)
  AND (%(status)s::text IS NULL OR o.status = %(status)s::text)
  AND (%(tenant_id)s::uuid IS NULL OR o.tenant_id = %(tenant_id)s::uuid)
  AND (%(optimization_id)s::uuid IS NULL OR o.optimization_id = %(optimization_id)s::uuid)
ORDER BY o.month DESC, o.expected_savings DESC, o.kind, o.subject, o.optimization_id
