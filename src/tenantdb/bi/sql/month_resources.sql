-- Every server and IP address with what it costs in the month %(month)s (docs/business-metrics.md, "Modeled
-- cost of a resource"): cost_bearing unless retired (an IP also only while its server is not retired), active
-- days from the UTC day it was created, monthly_cost = approximate_cost * active_days / days_in_month, exact.
-- Resources that bear no cost stay in (monthly_cost 0): the reconciliation matches invoice lines against them.
CREATE TEMPORARY TABLE bi_month_resources ON COMMIT DROP AS
WITH bounds AS (
    SELECT %(month)s::date AS first_day,
           (%(month)s::date + interval '1 month')::date AS next_day,
           (%(month)s::date + interval '1 month')::date - %(month)s::date AS days_in_month
), servers AS (
    SELECT v.tenant_id, v.vps_instance_id, v.hostname, v.tenancy, v.cost_pool_id, v.provider,
           v.capacity_emails_per_hour, v.approximate_cost, v.status <> 'retired' AS cost_bearing,
           (v.created_at AT TIME ZONE 'UTC')::date AS first_day
    FROM vps_instances v
), resources AS (
    SELECT s.tenant_id, 'vps'::text AS resource_kind, s.vps_instance_id AS resource_id, s.hostname AS reference,
           s.tenancy, s.cost_pool_id AS pool_id, s.provider, 'infrastructure'::text AS cost_kind, false AS warming,
           s.capacity_emails_per_hour AS capacity, s.approximate_cost, s.cost_bearing, s.first_day
    FROM servers s
    UNION ALL
    SELECT a.tenant_id, 'ip'::text, a.ip_id, host(a.ip), s.tenancy, s.cost_pool_id, s.provider,
           'email_service'::text, a.status = 'warming', NULL::integer, a.approximate_cost,
           a.status <> 'retired' AND s.cost_bearing, (a.created_at AT TIME ZONE 'UTC')::date
    FROM smtp_ip_addresses a
    JOIN servers s ON s.tenant_id = a.tenant_id AND s.vps_instance_id = a.vps_instance_id
)
SELECT r.tenant_id, r.resource_kind, r.resource_id, r.reference, r.tenancy, r.pool_id, r.provider, r.cost_kind,
       r.warming, r.capacity, r.approximate_cost, r.cost_bearing AND d.active_days > 0 AS cost_bearing,
       d.active_days,
       CASE WHEN r.cost_bearing AND d.active_days > 0
            THEN r.approximate_cost * d.active_days / b.days_in_month
            ELSE 0 END AS monthly_cost
FROM resources r
CROSS JOIN bounds b
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.cost_bearing THEN greatest(0, b.next_day - greatest(b.first_day, r.first_day)) ELSE 0 END
        AS active_days
) d
