-- Cost Optimization Center, the open actions (recommended or accepted) recommended for %(month)s or before, with
-- their age in days since recommended (UTC dates). Keyset: (expected_savings DESC, optimization_id); the first
-- %(limit)s rows, and the count of all of them (total).
SELECT o.optimization_id,
       o.tenant_id,
       c.name AS company_name,
       o.kind,
       o.subject,
       o.month,
       o.expected_savings,
       o.status,
       ((now() AT TIME ZONE 'UTC')::date - (o.recommended_at AT TIME ZONE 'UTC')::date) AS age_days,
       count(*) OVER () AS total
FROM cost_optimizations o
LEFT JOIN companies c ON c.id = o.tenant_id
WHERE o.status IN ('recommended', 'accepted')
  AND o.month <= %(month)s
ORDER BY o.expected_savings DESC, o.optimization_id
LIMIT %(limit)s
