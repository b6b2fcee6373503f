-- Every recommended action of the month %(month)s (pg_temp.bi_emit_actions: the report's actions, all of them) as a
-- cost_optimizations row with expected_savings = its dollars per month, and the cost_optimization event (stage
-- recommended) of each row seen for the first time. The id is stable: kind, subject (the customer's id, the pool's
-- id, or the provider of an invoice) and month; recommended_at is %(occurred_at)s the first time and kept. A re-run
-- that finds other figures updates expected_savings while the action is still open (recommended or accepted),
-- never the event: a done or dismissed action keeps what it was worth when it was closed. An action no longer
-- recommended keeps its row: history.
WITH actions AS (
    SELECT a.kind, a.tenant_id, a.subject, a.pool_id, a.dollars_per_month, a.metric,
           coalesce(a.tenant_id::text, a.pool_id::text, a.subject) AS subject_key
    FROM pg_temp.bi_emit_actions a
), matched AS (  -- each action with its row if recorded already (a customer's through the key it leads with)
    SELECT a.*, o.optimization_id, o.status, o.expected_savings, o.subject AS recorded_subject
    FROM actions a
    LEFT JOIN cost_optimizations o
           ON o.tenant_id = a.tenant_id AND o.month = %(month)s::date AND o.kind = a.kind
    WHERE a.tenant_id IS NOT NULL
    UNION ALL
    SELECT a.*, o.optimization_id, o.status, o.expected_savings, o.subject
    FROM actions a
    LEFT JOIN cost_optimizations o
           ON o.tenant_id IS NULL AND o.month = %(month)s::date AND o.kind = a.kind
          AND coalesce(o.pool_id::text, o.subject) = a.subject_key
    WHERE a.tenant_id IS NULL
), due AS (  -- new, or open with other figures: the rows to write (the others are left alone, not even locked)
    SELECT m.*, m.optimization_id IS NULL AS fresh,
           coalesce(m.optimization_id,
                    tenantdb_events_stable_id('cost_optimization', m.kind, m.subject_key,
                                              to_char(%(month)s::date, 'YYYY-MM'))) AS id
    FROM matched m
    WHERE m.optimization_id IS NULL
       OR (m.status IN ('recommended', 'accepted')
           AND (m.expected_savings, m.recorded_subject) IS DISTINCT FROM (m.dollars_per_month, m.subject))
), written AS (
    INSERT INTO cost_optimizations AS o (optimization_id, tenant_id, kind, subject, pool_id, month,
                                         expected_savings, recommended_at)
    SELECT d.id, d.tenant_id, d.kind, d.subject, d.pool_id, %(month)s::date, d.dollars_per_month, %(occurred_at)s
    FROM due d
    ON CONFLICT (tenant_id, optimization_id) DO UPDATE
        SET expected_savings = EXCLUDED.expected_savings, subject = EXCLUDED.subject
        WHERE o.status IN ('recommended', 'accepted')
    RETURNING 1
)
SELECT (SELECT count(*) FROM written),
       tenantdb_events_emit_all(
           array_agg(tenantdb_events_stable_id('cost_optimization', d.id::text, 'recommended')),
           array_agg(%(occurred_at)s::timestamptz), array_agg('cost_optimization'::text), array_agg(d.tenant_id),
           array_agg(jsonb_build_object('stage', 'recommended', 'optimization_id', d.id, 'kind', d.kind,
                                        'subject', d.subject, 'pool_id', d.pool_id,
                                        'expected_savings', round(d.dollars_per_month, 2), 'metric', d.metric,
                                        'month', %(month)s::date, 'source', 'bi_refresh')))
FROM due d
WHERE d.fresh
