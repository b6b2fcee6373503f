-- Strategic Decision Tracker, the decisions of %(month)s (UTC): opened or decided in the month, or still open at its
-- end, with the days they took to decide. Keyset: (opened_at DESC, decision_id); the first %(limit)s rows after the
-- decision %(after)s (None: from the start; an unknown one: no rows), and the count of all of them (total, whatever
-- the cursor).
WITH month_decisions AS (
    SELECT d.*, count(*) OVER () AS total
    FROM strategic_decisions d
    WHERE d.opened_at < ((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC')
      AND (d.opened_at >= (%(month)s::date::timestamp AT TIME ZONE 'UTC')
           OR d.decided_at IS NULL
           OR d.decided_at >= (%(month)s::date::timestamp AT TIME ZONE 'UTC'))
), cursor AS (
    SELECT (SELECT a.opened_at FROM month_decisions a WHERE a.decision_id = %(after)s::uuid LIMIT 1) AS value
)
SELECT d.decision_id,
       d.tenant_id,
       c.name AS company_name,
       d.title,
       d.category,
       d.opened_at,
       d.decided_at,
       d.outcome,
       d.expected_value,
       round(extract(epoch FROM d.decided_at - d.opened_at) / 86400, 2) AS days_to_decide,
       d.total
FROM month_decisions d
CROSS JOIN cursor k
LEFT JOIN companies c ON c.id = d.tenant_id
WHERE %(after)s::uuid IS NULL
   OR d.opened_at < k.value
   OR (d.opened_at = k.value AND d.decision_id > %(after)s::uuid)
ORDER BY d.opened_at DESC, d.decision_id
LIMIT %(limit)s
