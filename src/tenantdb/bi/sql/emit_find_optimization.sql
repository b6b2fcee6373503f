-- The cost optimizations whose id, without dashes, starts with %(prefix)s (hex digits: a whole id or a prefix), at
-- most two: one is found, two say the prefix is ambiguous. Not locked: a transition takes the month's refresh lock
-- first, then the row's (the order a refresh of the month takes them in).
SELECT o.optimization_id, o.month
FROM cost_optimizations o
WHERE replace(o.optimization_id::text, '-', '') LIKE %(prefix)s || '%%'
ORDER BY o.optimization_id
LIMIT 2
