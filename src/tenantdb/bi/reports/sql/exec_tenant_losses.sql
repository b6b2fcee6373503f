-- A customer's critical revenue alerts of %(month)s: its negative revenue impacts of urgency high or critical that
-- are still unresolved, largest first (each one counts in priority_actions_required).
SELECT x.impact_id,
       x.impact_type,
       x.urgency,
       -x.amount AS dollars_per_month,
       x.detected_at
FROM revenue_impacts x
WHERE x.tenant_id = %(tenant_id)s
  AND x.month = %(month)s
  AND x.amount < 0
  AND x.resolved_at IS NULL
  AND x.urgency IN ('high', 'critical')
ORDER BY x.amount, x.detected_at, x.impact_id
