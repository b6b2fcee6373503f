-- migrate:up
ALTER TABLE vps_instances
    ADD COLUMN approximate_cost numeric(8,2) NOT NULL DEFAULT 0,
    ADD COLUMN cost_pool_id uuid;
-- Added NOT VALID (no scan under the lock); 0003 validates them in transactions of their own. A dedicated server is
-- never in a pool: its cost is its tenant's, and pooling it would spread that cost over the members.
ALTER TABLE vps_instances
    ADD CONSTRAINT vps_instances_approximate_cost_check CHECK (approximate_cost >= 0) NOT VALID,
    ADD CONSTRAINT vps_instances_cost_pool_id_fkey FOREIGN KEY (cost_pool_id) REFERENCES cost_pools (pool_id)
        NOT VALID,
    ADD CONSTRAINT vps_instances_pooled_only_when_shared CHECK (cost_pool_id IS NULL OR tenancy = 'shared')
        NOT VALID;
COMMENT ON COLUMN vps_instances.approximate_cost IS
    'Modeled monthly cost of the server in USD, maintained by Finance/Operations as db_administrators; no tenant '
    'role may write it (not an invoice amount: provider invoices are reconciled against it). A month''s cost is '
    'approximate_cost * active days / days in the month; a retired server costs nothing.';
COMMENT ON COLUMN vps_instances.cost_pool_id IS
    'The cost pool a shared server''s cost (and its IP addresses'') is split in; NULL for dedicated servers, whose '
    'cost is their tenant''s (a constraint). Set by db_administrators only.';

ALTER TABLE smtp_ip_addresses ADD COLUMN approximate_cost numeric(6,2) NOT NULL DEFAULT 0;
ALTER TABLE smtp_ip_addresses
    ADD CONSTRAINT smtp_ip_addresses_approximate_cost_check CHECK (approximate_cost >= 0) NOT VALID;
COMMENT ON COLUMN smtp_ip_addresses.approximate_cost IS
    'Modeled monthly cost of the address in USD, maintained by Finance/Operations as db_administrators (no tenant '
    'role may write it); e-mail service cost. A warming '
    'address is an investment (category warmup_investment), never waste; a retired one costs nothing.';

-- The lowest grain of cost: one row per cost-bearing resource, tenant and UTC day, from the day the resource was
-- created to the end of the current month. A month's rows of a resource add up to its monthly cost.
CREATE VIEW resource_cost_daily WITH (security_invoker = true) AS
WITH servers AS (
    SELECT v.tenant_id, v.vps_instance_id, v.tenancy, v.cost_pool_id, v.provider, v.status, v.approximate_cost,
           (v.created_at AT TIME ZONE 'UTC')::date AS first_day
    FROM vps_instances v
    WHERE v.status <> 'retired'
), resources AS (
    SELECT s.tenant_id, 'vps'::text AS resource_kind, s.vps_instance_id AS resource_id, s.vps_instance_id,
           s.tenancy, s.cost_pool_id AS pool_id, s.provider, 'infrastructure'::text AS cost_kind, s.status,
           s.approximate_cost, s.first_day
    FROM servers s
    UNION ALL
    SELECT a.tenant_id, 'ip'::text, a.ip_id, a.vps_instance_id, s.tenancy, s.cost_pool_id, s.provider,
           'email_service'::text, a.status, a.approximate_cost, (a.created_at AT TIME ZONE 'UTC')::date
    FROM smtp_ip_addresses a
    JOIN servers s ON s.tenant_id = a.tenant_id AND s.vps_instance_id = a.vps_instance_id
    WHERE a.status <> 'retired'
)
SELECT r.tenant_id, r.resource_kind, r.resource_id, r.vps_instance_id, r.tenancy, r.pool_id, r.provider,
       r.cost_kind,
       CASE
           WHEN r.resource_kind = 'ip' AND r.status = 'warming' THEN 'warmup_investment'
           WHEN r.tenancy = 'dedicated' THEN 'dedicated'
           ELSE 'shared'
       END AS category,
       d.day::date AS day,
       r.approximate_cost AS monthly_cost,
       r.approximate_cost / ((date_trunc('month', d.day) + interval '1 month')::date
                             - date_trunc('month', d.day)::date) AS daily_cost
FROM resources r
CROSS JOIN LATERAL generate_series(
    r.first_day::timestamp,
    (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month' - interval '1 day'),
    interval '1 day'
) AS d (day);
COMMENT ON VIEW resource_cost_daily IS
    'Cost at the lowest grain: resource x tenant x UTC day, approximate_cost / days in the month for each day '
    'from the resource''s creation to the end of the current month, for cost-bearing resources (not retired; an '
    'IP address only while its server is not retired). resource_kind vps is infrastructure cost, ip is e-mail '
    'service cost; category dedicated, shared (split by the pool''s rule) or warmup_investment (a warming IP). '
    'security_invoker: row-level security of the base tables applies to the reader.';
GRANT SELECT ON resource_cost_daily TO business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER VIEW resource_cost_daily OWNER TO tenantdb_owner;

-- migrate:down
DROP VIEW resource_cost_daily;
ALTER TABLE smtp_ip_addresses DROP COLUMN approximate_cost;
ALTER TABLE vps_instances DROP COLUMN cost_pool_id, DROP COLUMN approximate_cost;

-- migrate:verify
SELECT 'shared server ' || hostname || ' is in no cost pool: its cost is allocated to nobody' AS problem
FROM vps_instances
WHERE tenancy = 'shared' AND status <> 'retired' AND cost_pool_id IS NULL;

SELECT 'dedicated server ' || hostname || ' names cost pool ' || cost_pool_id || ': a dedicated server''s cost '
       || 'is its tenant''s' AS problem
FROM vps_instances
WHERE tenancy = 'dedicated' AND cost_pool_id IS NOT NULL;

SELECT 'shared server ' || v.hostname || ' belongs to ' || c.slug || ', which is not a platform operator' AS problem
FROM vps_instances v
JOIN companies c ON c.id = v.tenant_id
WHERE v.tenancy = 'shared' AND NOT c.is_platform_operator;
