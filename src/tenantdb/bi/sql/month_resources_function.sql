-- pg_temp.bi_month_resources(for_month): every server and IP address with what it costs in the month
-- (docs/business-metrics.md, "Modeled cost of a resource"): cost_bearing unless retired (an IP also only while
-- its server is not retired) and with active days, counted from the UTC day it was created; monthly_cost =
-- approximate_cost * active_days / days_in_month, exact. Resources that bear no cost stay in (monthly_cost 0):
-- the reconciliation matches invoice lines against them. A plain SQL function, so the planner inlines it into
-- each statement that reads it (with the month as a constant) and nothing is materialized. Its body is also
-- read as a query with for_month bound to a placeholder (statements.month_resources_query), e.g. by a report.
CREATE OR REPLACE FUNCTION pg_temp.bi_month_resources(for_month date)
RETURNS TABLE (tenant_id uuid, resource_kind text, resource_id uuid, reference text, tenancy text, pool_id uuid,
               provider text, cost_kind text, warming boolean, capacity integer, approximate_cost numeric,
               cost_bearing boolean, active_days integer, monthly_cost numeric)
LANGUAGE sql
STABLE
AS $$
SELECT r.tenant_id, r.resource_kind, r.resource_id, r.reference, r.tenancy, r.pool_id, r.provider, r.cost_kind,
       r.warming, r.capacity, r.approximate_cost, d.active_days > 0 AS cost_bearing, d.active_days,
       CASE WHEN d.active_days > 0
            THEN r.approximate_cost * d.active_days / ((for_month + interval '1 month')::date - for_month)
            ELSE 0 END AS monthly_cost
FROM (
    SELECT v.tenant_id, 'vps'::text AS resource_kind, v.vps_instance_id AS resource_id, v.hostname AS reference,
           v.tenancy, v.cost_pool_id AS pool_id, v.provider, 'infrastructure'::text AS cost_kind, false AS warming,
           v.capacity_emails_per_hour AS capacity, v.approximate_cost::numeric AS approximate_cost,
           v.status <> 'retired' AS cost_bearing, (v.created_at AT TIME ZONE 'UTC')::date AS first_day
    FROM vps_instances v
    UNION ALL
    SELECT a.tenant_id, 'ip'::text, a.ip_id, host(a.ip), v.tenancy, v.cost_pool_id, v.provider,
           'email_service'::text, a.status = 'warming', NULL::integer, a.approximate_cost::numeric,
           a.status <> 'retired' AND v.status <> 'retired', (a.created_at AT TIME ZONE 'UTC')::date
    FROM smtp_ip_addresses a
    JOIN vps_instances v ON v.tenant_id = a.tenant_id AND v.vps_instance_id = a.vps_instance_id
) r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.cost_bearing
                THEN greatest(0, (for_month + interval '1 month')::date - greatest(for_month, r.first_day))
                ELSE 0 END AS active_days
) d
$$
