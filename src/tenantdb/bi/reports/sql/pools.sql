-- Every cost pool of the month, highest idle share first; high_idle marks those above the high-idle share.
SELECT p.pool_id, p.pool_name, p.rules, p.pool_cost, p.idle_cost, p.idle_share, p.members,
       coalesce(p.idle_share > %(high_idle_share)s, false) AS high_idle
FROM pools p
ORDER BY p.idle_share DESC NULLS LAST, p.pool_name
