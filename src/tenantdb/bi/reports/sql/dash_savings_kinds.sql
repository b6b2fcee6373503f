-- Cost Optimization Center, per kind of action in %(month)s: the actions recommended and their savings identified,
-- the savings taken in the month (accepted or done) and realized (results of the month). Largest identified first.
WITH bounds AS (
    SELECT (%(month)s::date::timestamp AT TIME ZONE 'UTC') AS starts,
           ((%(month)s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC') AS ends
), parts AS (
    SELECT o.kind, 1 AS actions, o.expected_savings AS identified, 0 AS taken, 0 AS realized
    FROM cost_optimizations o
    WHERE o.month = %(month)s
    UNION ALL
    SELECT o.kind, 0, 0, o.expected_savings, 0
    FROM cost_optimizations o
    CROSS JOIN bounds b
    WHERE o.status IN ('accepted', 'done')
      AND coalesce(o.accepted_at, o.done_at) >= b.starts AND coalesce(o.accepted_at, o.done_at) < b.ends
    UNION ALL
    SELECT o.kind, 0, 0, 0, r.realized
    FROM cost_optimization_results r
    JOIN cost_optimizations o ON o.optimization_id = r.optimization_id AND o.tenant_id IS NOT DISTINCT FROM r.tenant_id
    WHERE r.month = %(month)s
)
SELECT p.kind,
       sum(p.actions)::int AS actions,
       sum(p.identified) AS identified,
       sum(p.taken) AS taken,
       sum(p.realized) AS realized
FROM parts p
GROUP BY p.kind
ORDER BY sum(p.identified) DESC, p.kind
