-- A customer's recommended actions of %(month)s: its cost optimizations still open (recommended or accepted),
-- largest expected savings first (each one counts in priority_actions_required).
SELECT o.optimization_id,
       o.kind,
       o.subject,
       o.status,
       o.expected_savings,
       o.recommended_at
FROM cost_optimizations o
WHERE o.tenant_id = %(tenant_id)s
  AND o.month = %(month)s
  AND o.status IN ('recommended', 'accepted')
ORDER BY o.expected_savings DESC, o.recommended_at, o.optimization_id
