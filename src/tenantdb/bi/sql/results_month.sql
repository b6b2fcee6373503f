-- Realized savings measured on the month %(month)s: every optimization done before the month began gets its
-- cost_optimization_results row for it, remaining = what the same kind of action for the same subject (customer,
-- pool or provider) is worth in the month (pg_temp.bi_emit_actions; 0 when it is no longer recommended), realized =
-- expected_savings - remaining (negative when the problem grew). Upserted: a re-run gives the same rows.
WITH done AS (
    SELECT o.tenant_id, o.optimization_id, o.kind, coalesce(o.tenant_id::text, o.pool_id::text, o.subject) AS subject_key,
           o.expected_savings
    FROM cost_optimizations o
    WHERE o.status = 'done'
      AND o.done_at < %(month)s::date::timestamp AT TIME ZONE 'UTC'
      AND o.month < %(month)s::date
), worth AS (
    SELECT a.kind, coalesce(a.tenant_id::text, a.pool_id::text, a.subject) AS subject_key,
           sum(a.dollars_per_month) AS dollars_per_month
    FROM pg_temp.bi_emit_actions a
    GROUP BY 1, 2
)
INSERT INTO cost_optimization_results AS r (tenant_id, optimization_id, month, remaining, realized)
SELECT d.tenant_id, d.optimization_id, %(month)s::date, coalesce(w.dollars_per_month, 0),
       d.expected_savings - coalesce(w.dollars_per_month, 0)
FROM done d
LEFT JOIN worth w ON w.kind = d.kind AND w.subject_key = d.subject_key
ON CONFLICT (tenant_id, optimization_id, month) DO UPDATE
    SET remaining = EXCLUDED.remaining, realized = EXCLUDED.realized, measured_at = EXCLUDED.measured_at
    WHERE (r.remaining, r.realized) IS DISTINCT FROM (EXCLUDED.remaining, EXCLUDED.realized)
