-- migrate:up
CREATE TABLE vps_instances (
    tenant_id                uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    vps_instance_id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    hostname                 text        NOT NULL CHECK (length(hostname) BETWEEN 1 AND 253),
    tenancy                  text        NOT NULL DEFAULT 'dedicated' CHECK (tenancy IN ('dedicated', 'shared')),
    status                   text        NOT NULL DEFAULT 'provisioning'
                                         CHECK (status IN ('provisioning', 'active', 'draining', 'retired')),
    provider                 text        NOT NULL CHECK (length(provider) BETWEEN 1 AND 100),
    region                   text        NOT NULL CHECK (length(region) BETWEEN 1 AND 100),
    capacity_emails_per_hour integer     NOT NULL CHECK (capacity_emails_per_hour > 0),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, vps_instance_id),
    UNIQUE (tenant_id, hostname)
);
COMMENT ON TABLE vps_instances IS
    'Mail-sending servers. Every server belongs to a tenant, like every tenant-owned row (tenant_id leads the key, '
    'so the table distributes by tenant): tenancy = dedicated is a server one customer has to itself and sees; '
    'tenancy = shared is a pooled server of the platform, owned by the platform operator''s own companies row, so '
    'no customer tenant can see or change it. Which customers a shared server sends for is a cost-allocation '
    'question (usage drivers such as e-mails sent), not a foreign key. Tenant roles read their own servers; '
    'application_service may add a dedicated server (it costs nothing until the platform operator prices it) and '
    'change its hostname, status (never to or from retired), provider, region and capacity; tenancy, created_at, '
    'the cost columns and deleting are the platform operator''s (db_administrators).';
COMMENT ON COLUMN vps_instances.tenancy IS
    'dedicated: the owning tenant is the customer; shared: the owning tenant is the platform operator, and the '
    'server sends for many customers.';
COMMENT ON COLUMN vps_instances.status IS
    'provisioning -> active -> draining (no new mail, queues emptying) -> retired (kept for history).';
COMMENT ON COLUMN vps_instances.capacity_emails_per_hour IS 'How many e-mails per hour the server may send.';
COMMENT ON COLUMN vps_instances.hostname IS
    'Unique within the owning tenant; the verify block reports a hostname held by two tenants.';
CREATE TRIGGER vps_instances_touch_updated_at BEFORE UPDATE ON vps_instances
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- Servers are provisioned by the platform's service; the tenant API reads its own. What a server costs and for how
-- long is the platform operator's (Finance/Operations, as db_administrators): pooled cost is split by the members'
-- dedicated cost, so a tenant role that could price, pool, retire, back-date or delete its own server would move
-- cost onto the other members (RELIABILITY R24). application_service provisions and maintains dedicated servers
-- through the columns that carry no cost; the cost columns (approximate_cost, cost_pool_id, added by cost_tracking)
-- and tenancy, created_at and DELETE are not granted to any tenant role.
ALTER TABLE vps_instances ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON vps_instances TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON vps_instances AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
-- Whatever the tenant context (even the operator's own id), a tenant role writes dedicated servers only, and never
-- retires one or brings one back: the shared servers and every server's life belong to the platform operator.
CREATE POLICY tenant_writes_dedicated ON vps_instances AS RESTRICTIVE FOR INSERT TO application_service, tenant_api
    WITH CHECK (tenancy = 'dedicated');
CREATE POLICY tenant_keeps_dedicated ON vps_instances AS RESTRICTIVE FOR UPDATE TO application_service, tenant_api
    USING (tenancy = 'dedicated' AND status <> 'retired')
    WITH CHECK (tenancy = 'dedicated' AND status <> 'retired');
CREATE POLICY analysts_read ON vps_instances FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON vps_instances TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON vps_instances TO db_administrators;
GRANT SELECT ON vps_instances TO application_service, tenant_api, business_analysts;
GRANT INSERT (tenant_id, vps_instance_id, hostname, status, provider, region, capacity_emails_per_hour),
      UPDATE (hostname, status, provider, region, capacity_emails_per_hour)
    ON vps_instances TO application_service;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE vps_instances OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE vps_instances;

-- migrate:verify
SELECT 'hostname ' || hostname || ' is used by ' || count(DISTINCT tenant_id) || ' tenants' AS problem
FROM vps_instances
WHERE status <> 'retired'
GROUP BY hostname
HAVING count(DISTINCT tenant_id) > 1;
