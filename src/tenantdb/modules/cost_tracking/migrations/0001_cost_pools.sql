-- migrate:up
-- The platform's own account(s): shared servers belong to them and idle capacity is charged to them; reports
-- about tenants list customers only (companies that are not platform operators).
ALTER TABLE companies ADD COLUMN is_platform_operator boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN companies.is_platform_operator IS
    'true for the platform''s own account(s), which own the shared servers and carry idle capacity; every '
    'business report lists customers only (is_platform_operator = false).';
-- The bundled email_infra seed names the platform's account by this slug.
UPDATE companies SET is_platform_operator = true WHERE slug = 'platform-operator';

CREATE TABLE cost_pools (
    pool_id          uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    name             text          NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    provider         text          CHECK (length(provider) BETWEEN 1 AND 100),
    monthly_overhead numeric(12,2) NOT NULL DEFAULT 0 CHECK (monthly_overhead >= 0),
    description      text,
    created_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at       timestamptz   NOT NULL DEFAULT now()
);
COMMENT ON TABLE cost_pools IS
    'Shared cost split among tenants: the shared servers that name the pool (vps_instances.cost_pool_id), their IP '
    'addresses, and a fixed monthly_overhead. A platform-level reference table (no tenant_id; on Citus a '
    'reference table) for db_administrators and business_analysts only: tenant roles read nothing of it (they see '
    'the ids of the pools they are in, in cost_pool_members and their allocation lines, and their own share).';
COMMENT ON COLUMN cost_pools.provider IS 'The provider the pool''s servers run at, when they all run at one.';
COMMENT ON COLUMN cost_pools.monthly_overhead IS
    'Modeled monthly USD cost not tied to a resource (support, monitoring, licences): infrastructure cost, split '
    'like the servers'' cost. Maintained by Finance/Operations.';
CREATE TRIGGER cost_pools_touch_updated_at BEFORE UPDATE ON cost_pools
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();
GRANT SELECT ON cost_pools TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON cost_pools TO db_administrators;

CREATE TABLE allocation_rules (
    pool_id        uuid        NOT NULL REFERENCES cost_pools (pool_id) ON DELETE CASCADE,
    effective_from date        NOT NULL CHECK (effective_from = date_trunc('month', effective_from)::date),
    rule           text        NOT NULL
                               CHECK (rule IN ('even', 'proportional_to_cost', 'fixed_weights', 'usage_driver')),
    driver         text        CHECK (driver IN ('emails_delivered', 'emails_sent')),
    fallback       text        NOT NULL DEFAULT 'even' CHECK (fallback IN ('even', 'fixed_weights')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pool_id, effective_from),
    CONSTRAINT allocation_rules_driver_for_usage CHECK ((rule = 'usage_driver') = (driver IS NOT NULL))
);
COMMENT ON TABLE allocation_rules IS
    'How a pool''s cost is split, from the first day of a month on: the row with the latest effective_from on or '
    'before a month applies to it. Reference data for db_administrators and business_analysts only.';
COMMENT ON COLUMN allocation_rules.rule IS
    'even: 1 per member; fixed_weights: cost_pool_members.weight; proportional_to_cost: the member''s dedicated '
    'cost in the month; usage_driver: the member''s driver over the month (and the pool''s idle capacity is a '
    'line of its own).';
COMMENT ON COLUMN allocation_rules.driver IS
    'For usage_driver (required there, NULL otherwise): emails_delivered or emails_sent from deliverability_daily.';
COMMENT ON COLUMN allocation_rules.fallback IS
    'The rule used when every member''s weight is 0 (even when the fallback''s weights are all 0 as well); the '
    'allocation lines say so (rule = ''fallback:<rule>'').';
CREATE TRIGGER allocation_rules_touch_updated_at BEFORE UPDATE ON allocation_rules
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();
GRANT SELECT ON allocation_rules TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON allocation_rules TO db_administrators;

CREATE TABLE cost_pool_members (
    tenant_id  uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    pool_id    uuid        NOT NULL REFERENCES cost_pools (pool_id) ON DELETE CASCADE,
    weight     numeric     NOT NULL DEFAULT 1 CHECK (weight >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, pool_id)
);
COMMENT ON TABLE cost_pool_members IS
    'The customers a pool''s cost is split among (platform operators are never members: the verify block reports '
    'one). Written by db_administrators only: no tenant role joins or leaves a pool or changes a weight. A tenant '
    'reads its own memberships (the pool''s id and its own weight), never the other members or how many there are.';
COMMENT ON COLUMN cost_pool_members.weight IS 'The member''s weight under the rule fixed_weights (>= 0).';
-- No index led by pool_id (RELIABILITY R26: a tenant's scan of it would count other tenants' memberships); a
-- pool's members are read through the key, tenant by tenant.
CREATE TRIGGER cost_pool_members_touch_updated_at BEFORE UPDATE ON cost_pool_members
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE cost_pool_members ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON cost_pool_members TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON cost_pool_members AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON cost_pool_members FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON cost_pool_members TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT ON cost_pool_members TO application_service, tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON cost_pool_members TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE cost_pools OWNER TO tenantdb_owner;
ALTER TABLE allocation_rules OWNER TO tenantdb_owner;
ALTER TABLE cost_pool_members OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE cost_pool_members;
DROP TABLE allocation_rules;
DROP TABLE cost_pools;
ALTER TABLE companies DROP COLUMN is_platform_operator;

-- migrate:verify
SELECT 'cost pool ' || p.name || ' has platform operator ' || c.slug || ' as a member: operators are never '
       || 'charged a share' AS problem
FROM cost_pool_members m
JOIN cost_pools p ON p.pool_id = m.pool_id
JOIN companies c ON c.id = m.tenant_id
WHERE c.is_platform_operator;

SELECT 'cost pool ' || p.name || ' has no allocation rule (its cost is split evenly)' AS problem
FROM cost_pools p
WHERE NOT EXISTS (SELECT FROM allocation_rules r WHERE r.pool_id = p.pool_id);
