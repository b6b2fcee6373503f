-- Strategic Decision Tracker, the decisions decided in %(month)s (UTC) by outcome, every outcome listed.
SELECT o.outcome, count(d.decision_id) AS decisions
FROM (VALUES (1, 'approved'), (2, 'rejected'), (3, 'deferred')) AS o (position, outcome)
LEFT JOIN strategic_decisions d
       ON d.outcome = o.outcome
      AND d.decided_at >= (%(month)s::date::timestamp AT TIME ZONE 'UTC')
      AND d.decided_at < ((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC')
GROUP BY o.position, o.outcome
ORDER BY o.position
