-- Operational Efficiency, per cost pool (selects FROM pools, sql/pool_figures.sql): the pool's cost, its
-- idle-capacity line and utilization = 1 - idle share. Keyset: (cost DESC, pool_id); every pool (few).
SELECT p.pool_id,
       p.pool_name,
       p.pool_cost AS cost,
       p.idle_cost,
       p.idle_share,
       round(1 - p.idle_share, 6) AS utilization,
       p.members
FROM pools p
ORDER BY p.pool_cost DESC, p.pool_id
