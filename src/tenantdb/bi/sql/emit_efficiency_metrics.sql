-- Every customer's efficiency in the month %(month)s (docs/business-metrics.md, "Efficiency"): the capacity it pays
-- for and what it used of it. With dedicated servers: their capacity in the month (capacity per hour x 24 x active
-- days) against the e-mails it sent; on the shared pool: its plan's emails_per_month allowance against the e-mails
-- it sent (never the pool's utilization, which is made of the other tenants' volume: RELIABILITY R27); neither:
-- capacity 0, utilization and score NULL. utilization = used / capacity (above 1 over the allowance), score =
-- utilization x 100 clamped to 0..100. The efficiency_metrics event is emitted the first time a customer's month is
-- scored (stable id: customer and month; %(occurred_at)s); a re-run updates the row, never the event.
WITH measured AS (
    SELECT f.tenant_id, f.emails_sent AS used,
           CASE WHEN f.dedicated_capacity > 0 THEN 'dedicated'
                WHEN l.allowance > 0 THEN 'plan_allowance'
                ELSE 'none' END AS basis,
           CASE WHEN f.dedicated_capacity > 0 THEN f.dedicated_capacity
                ELSE greatest(coalesce(l.allowance, 0), 0) END AS capacity
    FROM pg_temp.bi_emit_figures f
    LEFT JOIN plans p ON p.name = f.plan_name
    CROSS JOIN LATERAL (
        SELECT CASE WHEN jsonb_typeof(p.feature_limits -> 'emails_per_month') = 'number'
                    THEN (p.feature_limits ->> 'emails_per_month')::numeric END AS allowance
    ) l
), scored AS (
    SELECT m.tenant_id, m.basis, m.capacity, m.used, u.utilization,
           round(greatest(0, least(1, u.utilization)) * 100, 2) AS score
    FROM measured m
    CROSS JOIN LATERAL (
        SELECT CASE WHEN m.capacity > 0 THEN round(m.used / m.capacity, 6) END AS utilization
    ) u
), due AS (  -- new, or with other figures: the rows to write (the others are left alone, not even locked)
    SELECT s.*, e.tenant_id IS NULL AS fresh
    FROM scored s
    LEFT JOIN efficiency_metrics e ON e.tenant_id = s.tenant_id AND e.month = %(month)s::date
    WHERE e.tenant_id IS NULL
       OR (e.capacity, e.used, e.utilization, e.score) IS DISTINCT FROM (s.capacity, s.used, s.utilization, s.score)
), written AS (
    INSERT INTO efficiency_metrics AS e (tenant_id, month, capacity, used, utilization, score, recorded_at)
    SELECT d.tenant_id, %(month)s::date, d.capacity, d.used, d.utilization, d.score, %(occurred_at)s
    FROM due d
    ON CONFLICT (tenant_id, month) DO UPDATE
        SET capacity = EXCLUDED.capacity, used = EXCLUDED.used, utilization = EXCLUDED.utilization,
            score = EXCLUDED.score
    RETURNING 1
)
SELECT (SELECT count(*) FROM written),
       tenantdb_events_emit_all(
           array_agg(tenantdb_events_stable_id('efficiency_metrics', d.tenant_id::text,
                                               to_char(%(month)s::date, 'YYYY-MM'))),
           array_agg(%(occurred_at)s::timestamptz), array_agg('efficiency_metrics'::text), array_agg(d.tenant_id),
           array_agg(jsonb_build_object('month', %(month)s::date, 'basis', d.basis, 'capacity', d.capacity,
                                        'used', d.used, 'utilization', d.utilization, 'score', d.score,
                                        'source', 'bi_refresh')))
FROM due d
WHERE d.fresh
