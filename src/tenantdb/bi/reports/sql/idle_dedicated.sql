-- Customers whose dedicated servers sent below the idle threshold of their capacity, with the month's cost of those
-- servers (their dedicated vps lines, read through the rollup's key per tenant) and its idle share: what
-- downsizing would save. Other report queries select FROM idle_dedicated.
SELECT f.tenant_id, f.company_name, f.plan_name, f.dedicated_capacity, f.emails_sent, f.dedicated_utilization,
       d.server_cost AS dedicated_server_cost,
       round(d.server_cost * (1 - least(1, f.emails_sent::numeric / f.dedicated_capacity)), 2) AS idle_cost
FROM figures f
CROSS JOIN LATERAL (
    SELECT coalesce(sum(l.amount), 0) AS server_cost
    FROM bi_cost_allocation_lines l
    WHERE l.tenant_id = f.tenant_id AND l.month = %(month)s AND l.category = 'dedicated' AND l.resource_kind = 'vps'
) d
WHERE 'idle_dedicated_capacity' = ANY (f.reasons)
