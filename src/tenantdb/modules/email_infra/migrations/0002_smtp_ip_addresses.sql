-- migrate:up
CREATE TABLE smtp_ip_addresses (
    tenant_id         uuid         NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    ip_id             uuid         NOT NULL DEFAULT gen_random_uuid(),
    vps_instance_id   uuid         NOT NULL,
    ip                inet         NOT NULL,
    status            text         NOT NULL DEFAULT 'available'
                                   CHECK (status IN ('available', 'warming', 'warmed', 'burned', 'retired')),
    warmup_started_at timestamptz,
    reputation_score  numeric(5,2) CHECK (reputation_score BETWEEN 0 AND 100),
    created_at        timestamptz  NOT NULL DEFAULT now(),
    updated_at        timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, ip_id),
    UNIQUE (tenant_id, ip),
    FOREIGN KEY (tenant_id, vps_instance_id) REFERENCES vps_instances (tenant_id, vps_instance_id),
    CONSTRAINT smtp_ip_addresses_single_host CHECK (masklen(ip) = CASE family(ip) WHEN 4 THEN 32 ELSE 128 END),
    CONSTRAINT smtp_ip_addresses_warmup_started
        CHECK (status NOT IN ('warming', 'warmed') OR warmup_started_at IS NOT NULL)
);
COMMENT ON TABLE smtp_ip_addresses IS
    'Sending IP addresses of a server and their warm-up: available -> warming -> warmed; burned when mailbox '
    'providers block it; retired when given back. Owned by the server''s tenant. A server is not deleted while it '
    'has addresses (retire it instead): the addresses carry the reputation history. Tenant roles read their own '
    'addresses; application_service may add one to its tenant''s dedicated server (it costs nothing until the '
    'platform operator prices it) and change its status (never to or from retired), warm-up start and reputation; '
    'the rest, addresses of shared servers and deleting are the platform operator''s (db_administrators).';
COMMENT ON COLUMN smtp_ip_addresses.ip IS
    'One host address (/32 or /128). Unique within the tenant; the verify block reports an address that two '
    'tenants hold at once.';
COMMENT ON COLUMN smtp_ip_addresses.warmup_started_at IS 'When warm-up began; required once warming or warmed.';
COMMENT ON COLUMN smtp_ip_addresses.reputation_score IS
    'Sender reputation from 0 (blocked everywhere) to 100, as last measured; NULL until measured.';
CREATE INDEX smtp_ip_addresses_vps_instance_idx ON smtp_ip_addresses (tenant_id, vps_instance_id);
CREATE TRIGGER smtp_ip_addresses_touch_updated_at BEFORE UPDATE ON smtp_ip_addresses
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- As for servers (0001): an address's cost and life are the platform operator's. application_service adds
-- addresses to its tenant's dedicated servers and records warm-up and reputation; approximate_cost (added by
-- cost_tracking), the server an address is on, created_at and DELETE are granted to no tenant role, and no tenant
-- role writes an address of a shared server, whatever the tenant context (RELIABILITY R24).
ALTER TABLE smtp_ip_addresses ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON smtp_ip_addresses TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON smtp_ip_addresses AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_writes_dedicated ON smtp_ip_addresses AS RESTRICTIVE FOR INSERT
    TO application_service, tenant_api
    WITH CHECK (EXISTS (SELECT FROM vps_instances v
                        WHERE v.tenant_id = smtp_ip_addresses.tenant_id
                          AND v.vps_instance_id = smtp_ip_addresses.vps_instance_id
                          AND v.tenancy = 'dedicated'));
CREATE POLICY tenant_keeps_dedicated ON smtp_ip_addresses AS RESTRICTIVE FOR UPDATE
    TO application_service, tenant_api
    USING (status <> 'retired'
           AND EXISTS (SELECT FROM vps_instances v
                       WHERE v.tenant_id = smtp_ip_addresses.tenant_id
                         AND v.vps_instance_id = smtp_ip_addresses.vps_instance_id
                         AND v.tenancy = 'dedicated'))
    WITH CHECK (status <> 'retired');
CREATE POLICY analysts_read ON smtp_ip_addresses FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON smtp_ip_addresses TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON smtp_ip_addresses TO db_administrators;
GRANT SELECT ON smtp_ip_addresses TO application_service, tenant_api, business_analysts;
GRANT INSERT (tenant_id, ip_id, vps_instance_id, ip, status, warmup_started_at, reputation_score),
      UPDATE (status, warmup_started_at, reputation_score)
    ON smtp_ip_addresses TO application_service;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE smtp_ip_addresses OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE smtp_ip_addresses;

-- migrate:verify
SELECT 'IP address ' || host(ip) || ' is held by ' || count(DISTINCT tenant_id) || ' tenants at once' AS problem
FROM smtp_ip_addresses
WHERE status <> 'retired'
GROUP BY ip
HAVING count(DISTINCT tenant_id) > 1;

SELECT 'IP address ' || host(a.ip) || ' is ' || a.status || ' on retired server ' || v.hostname AS problem
FROM smtp_ip_addresses a
JOIN vps_instances v ON v.tenant_id = a.tenant_id AND v.vps_instance_id = a.vps_instance_id
WHERE v.status = 'retired'
  AND a.status IN ('available', 'warming', 'warmed');
