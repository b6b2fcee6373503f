-- Customers whose dedicated servers sent below the idle threshold of their capacity, with the month's cost of those
-- servers and its idle share: what downsizing would save. A server's cost is its dedicated allocation line,
-- round(approximate_cost * active_days / days_in_month, 2) (docs/business-metrics.md), computed here from the
-- tenant's own vps_instances rows (read through their key) rather than from the month's allocation lines, which
-- hold every IP address too. idle_scope: every candidate (idle_candidates.sql), or those with the largest bounds.
-- Other report queries select FROM idle_dedicated.
SELECT f.tenant_id, f.company_name, f.plan_name, f.dedicated_capacity, f.emails_sent,
       round(f.utilization, 6) AS dedicated_utilization,
       d.server_cost AS dedicated_server_cost,
       round(d.server_cost * (1 - least(1, f.emails_sent::numeric / f.dedicated_capacity)), 2) AS idle_cost
FROM idle_scope f
CROSS JOIN LATERAL (
    SELECT coalesce(sum(round(
               v.approximate_cost
               * greatest(0, (%(month)s::date + interval '1 month')::date
                             - greatest(%(month)s::date, (v.created_at AT TIME ZONE 'UTC')::date))
               / ((%(month)s::date + interval '1 month')::date - %(month)s::date), 2)), 0) AS server_cost
    FROM vps_instances v
    WHERE v.tenant_id = f.tenant_id AND v.tenancy = 'dedicated' AND v.status <> 'retired'
) d
