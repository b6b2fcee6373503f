-- migrate:up
CREATE OR REPLACE FUNCTION tenantdb_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION tenantdb_touch_updated_at() IS 'Trigger function: keeps updated_at current on UPDATE.';

CREATE TABLE companies (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug       text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('trial', 'active', 'suspended', 'churned')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE companies IS 'The tenants: every tenant-owned row carries tenant_id = companies.id.';
CREATE TRIGGER companies_touch_updated_at BEFORE UPDATE ON companies
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- migrate:down
DROP TABLE companies;
DROP FUNCTION tenantdb_touch_updated_at();

-- migrate:verify
SELECT 'companies is missing' WHERE to_regclass('companies') IS NULL;
