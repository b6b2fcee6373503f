-- Strategic decisions, newest first (only the open ones when %(open_only)s, or one when %(decision_id)s is given),
-- with the customer concerned and how long each took to decide.
SELECT d.decision_id, d.tenant_id, c.slug, d.title, d.category, d.opened_at, d.decided_at, d.outcome,
       d.expected_value, d.note,
       round(extract(epoch FROM d.decided_at - d.opened_at) / 3600, 4) AS decision_hours
FROM strategic_decisions d
LEFT JOIN companies c ON c.id = d.tenant_id
WHERE (NOT %(open_only)s OR d.decided_at IS NULL)
  AND (%(decision_id)s::uuid IS NULL OR d.decision_id = %(decision_id)s::uuid)
ORDER BY d.opened_at DESC, d.decision_id
