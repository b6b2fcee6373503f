-- migrate:up
CREATE TABLE tenants (
    tenant_id  uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text        NOT NULL,
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('trial', 'active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE tenants IS 'Customer companies; every tenant-owned row references one.';

-- migrate:down
DROP TABLE tenants;

-- migrate:verify
SELECT 'tenants table is missing' WHERE to_regclass('tenants') IS NULL;
