-- Customers whose dedicated servers sent below the idle threshold, with idle_bound: their infrastructure cost
-- times the idle share, an upper bound of what downsizing saves (the servers' cost is part of the infrastructure
-- cost). A report that ranks only the first actions computes the exact saving (idle_dedicated.sql, a lookup of the
-- tenant's servers) for the candidates with the largest bounds only. Other report queries select FROM candidates.
SELECT f.*, round(f.infrastructure_cost * (1 - f.utilization), 2) AS idle_bound
FROM figures f
WHERE f.idle_dedicated_capacity
