-- Every recommended action of the month %(month)s (pg_temp.bi_emit_actions: the report's actions, all of them) as a
-- cost_optimizations row with expected_savings = its dollars per month, and the cost_optimization event (stage
-- recommended) of each row seen for the first time. The id is stable: kind, subject (the customer's id, the pool's
-- id, or the provider of an invoice) and month; recommended_at is %(occurred_at)s the first time and kept. A re-run
-- that finds other figures updates expected_savings while the action is still open (recommended or accepted),
-- never the event: a done or dismissed action keeps what it was worth when it was closed. An action no longer
-- recommended keeps its row: history.
WITH actions AS (
    SELECT tenantdb_events_stable_id('cost_optimization', a.kind, coalesce(a.tenant_id::text, a.pool_id::text, a.subject),
                                     to_char(%(month)s::date, 'YYYY-MM')) AS optimization_id,
           a.kind, a.tenant_id, a.subject, a.pool_id, a.dollars_per_month, a.metric
    FROM pg_temp.bi_emit_actions a
), seen AS (
    SELECT o.optimization_id
    FROM cost_optimizations o
    WHERE o.optimization_id IN (SELECT a.optimization_id FROM actions a)
), written AS (
    INSERT INTO cost_optimizations AS o (optimization_id, tenant_id, kind, subject, pool_id, month,
                                         expected_savings, recommended_at)
    SELECT a.optimization_id, a.tenant_id, a.kind, a.subject, a.pool_id, %(month)s::date, a.dollars_per_month,
           %(occurred_at)s
    FROM actions a
    ON CONFLICT (tenant_id, optimization_id) DO UPDATE
        SET expected_savings = EXCLUDED.expected_savings, subject = EXCLUDED.subject
        WHERE o.status IN ('recommended', 'accepted')
          AND (o.expected_savings, o.subject) IS DISTINCT FROM (EXCLUDED.expected_savings, EXCLUDED.subject)
    RETURNING 1
)
SELECT (SELECT count(*) FROM written),
       tenantdb_events_emit_all(
           array_agg(tenantdb_events_stable_id('cost_optimization', a.optimization_id::text, 'recommended')),
           array_agg(%(occurred_at)s::timestamptz), array_agg('cost_optimization'::text), array_agg(a.tenant_id),
           array_agg(jsonb_build_object('stage', 'recommended', 'optimization_id', a.optimization_id, 'kind', a.kind,
                                        'subject', a.subject, 'pool_id', a.pool_id,
                                        'expected_savings', round(a.dollars_per_month, 2), 'metric', a.metric,
                                        'month', %(month)s::date, 'source', 'bi_refresh')))
FROM actions a
WHERE a.optimization_id NOT IN (SELECT s.optimization_id FROM seen s)
