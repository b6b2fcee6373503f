-- Cost Optimization Center, the open actions: recommended for %(month)s and not yet acted on, or accepted (recommended
-- for %(month)s or before) and not yet done, with their age in days since recommended (UTC dates). A recommendation
-- of an earlier month left as recommended is not listed: each refresh recommends again what is still worth doing. Keyset: (expected_savings DESC, optimization_id); the first
-- %(limit)s rows after the action %(after)s (None: from the start; an unknown one: no rows), and the count of all
-- of them (total, whatever the cursor).
WITH open AS (
    SELECT o.*, count(*) OVER () AS total
    FROM cost_optimizations o
    WHERE (o.status = 'recommended' AND o.month = %(month)s)
       OR (o.status = 'accepted' AND o.month <= %(month)s)
), cursor AS (
    SELECT (SELECT a.expected_savings FROM open a WHERE a.optimization_id = %(after)s::uuid LIMIT 1) AS value
)
SELECT o.optimization_id,
       o.tenant_id,
       c.name AS company_name,
       c.slug,
       o.kind,
       o.subject,
       o.month,
       o.expected_savings,
       o.status,
       ((now() AT TIME ZONE 'UTC')::date - (o.recommended_at AT TIME ZONE 'UTC')::date) AS age_days,
       o.total
FROM open o
CROSS JOIN cursor k
LEFT JOIN companies c ON c.id = o.tenant_id
WHERE %(after)s::uuid IS NULL
   OR o.expected_savings < k.value
   OR (o.expected_savings = k.value AND o.optimization_id > %(after)s::uuid)
ORDER BY o.expected_savings DESC, o.optimization_id
LIMIT %(limit)s
