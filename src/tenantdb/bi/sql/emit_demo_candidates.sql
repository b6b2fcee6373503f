-- The demo's story (tenantdb seed, tenantdb demo): the recommended actions of the month %(month)s, largest expected
-- savings first, each with what the same action for the same subject is worth in the latest month %(latest)s (0 when
-- no longer recommended): the demo marks done those whose problem shrank the most since, as a team that fixed them.
SELECT o.optimization_id, o.kind, o.expected_savings, coalesce(l.expected_savings, 0) AS latest_worth
FROM cost_optimizations o
LEFT JOIN cost_optimizations l
       ON l.month = %(latest)s AND l.kind = o.kind
      AND coalesce(l.tenant_id::text, l.pool_id::text, l.subject) = coalesce(o.tenant_id::text, o.pool_id::text, o.subject)
WHERE o.month = %(month)s AND o.status = 'recommended'
ORDER BY o.expected_savings DESC, o.optimization_id
