-- The cost optimizations whose id, without dashes, starts with %(prefix)s (hex digits: a whole id or a prefix), at most
-- two: one is found, two say the prefix is ambiguous. Locked, so that the transition that follows sees it as it is.
SELECT o.optimization_id, o.status, o.kind, o.tenant_id, o.month, o.recommended_at, o.accepted_at
FROM cost_optimizations o
WHERE replace(o.optimization_id::text, '-', '') LIKE %(prefix)s || '%%'
ORDER BY o.optimization_id
LIMIT 2
FOR UPDATE
