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
    slug       text        NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('trial', 'active', 'suspended', 'churned')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE companies IS 'The tenants: every tenant-owned row carries tenant_id = companies.id.';
COMMENT ON COLUMN companies.slug IS
    'Unique across tenants, through company_slugs (a trigger claims it there): companies has no index on it.';
CREATE TRIGGER companies_touch_updated_at BEFORE UPDATE ON companies
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

-- Slugs are unique across tenants, so their unique index cannot lead with the tenant; on companies, which tenant
-- roles read, a tenant's own predicate on slug would drive a scan of it that row-level security only filters, and
-- EXPLAIN ANALYZE's "Rows Removed by Filter" would count (and, searched, spell) other tenants' slugs (RELIABILITY
-- R26). The unique index lives in company_slugs instead, a platform table no tenant role may read, kept by a
-- trigger; every index of companies leads with id.
CREATE TABLE company_slugs (
    company_id uuid PRIMARY KEY REFERENCES companies (id) ON DELETE CASCADE,
    slug       text NOT NULL UNIQUE
);
COMMENT ON TABLE company_slugs IS
    'Platform-only: each company''s slug, unique across tenants, kept from companies.slug by a trigger. It holds '
    'the unique index companies cannot (RELIABILITY R26); no tenant role reads it, and platform roles resolve a '
    'slug to its company here.';

CREATE FUNCTION tenantdb_claim_company_slug() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    EXECUTE format('INSERT INTO %I.company_slugs AS s (company_id, slug) VALUES ($1, $2)'
                   ' ON CONFLICT (company_id) DO UPDATE SET slug = excluded.slug WHERE s.slug <> excluded.slug',
                   TG_TABLE_SCHEMA)
        USING NEW.id, NEW.slug;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tenantdb_claim_company_slug() IS
    'Trigger function: claims a company''s slug in company_slugs, whose unique index refuses one another company '
    'holds (23505, company_slugs_slug_key). SECURITY DEFINER: whoever may create or rename companies need no '
    'privilege on company_slugs.';
REVOKE EXECUTE ON FUNCTION tenantdb_claim_company_slug() FROM PUBLIC;
CREATE TRIGGER companies_claim_slug AFTER INSERT OR UPDATE OF slug ON companies
    FOR EACH ROW EXECUTE FUNCTION tenantdb_claim_company_slug();

-- migrate:down
DROP TABLE company_slugs;
DROP TABLE companies;
DROP FUNCTION tenantdb_claim_company_slug();
DROP FUNCTION tenantdb_touch_updated_at();

-- migrate:verify
SELECT 'companies is missing' WHERE to_regclass('companies') IS NULL;
SELECT 'company ' || c.id || ' has slug ' || c.slug || ' but company_slugs says ' || coalesce(s.slug, 'nothing')
FROM companies c
LEFT JOIN company_slugs s ON s.company_id = c.id
WHERE s.slug IS DISTINCT FROM c.slug;
