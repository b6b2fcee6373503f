-- migrate:up
CREATE TABLE portfolios (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    portfolio_id uuid        NOT NULL DEFAULT gen_random_uuid(),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description  text,
    metadata     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, portfolio_id),
    UNIQUE (tenant_id, name)
);
COMMENT ON TABLE portfolios IS 'A tenant''s named collection of businesses that AI analyses run over.';
COMMENT ON COLUMN portfolios.metadata IS 'Free-form settings of the portfolio, a JSON object.';
CREATE TRIGGER portfolios_touch_updated_at BEFORE UPDATE ON portfolios
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE portfolios ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON portfolios TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON portfolios AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON portfolios FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON portfolios TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON portfolios TO application_service, tenant_api, db_administrators;
GRANT SELECT ON portfolios TO business_analysts;

CREATE TABLE portfolio_businesses (
    tenant_id      uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    business_id    uuid          NOT NULL DEFAULT gen_random_uuid(),
    portfolio_id   uuid          NOT NULL,
    business_name  text          NOT NULL CHECK (length(business_name) BETWEEN 1 AND 200),
    website        text,
    industry       text,
    country        text          CHECK (country ~ '^[A-Z]{2}$'),
    employees      integer       CHECK (employees >= 0),
    annual_revenue numeric(12,2) CHECK (annual_revenue >= 0),
    currency       text          CHECK (currency ~ '^[A-Z]{3}$'),
    attributes     jsonb         NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    added_at       timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, business_id),
    UNIQUE (tenant_id, portfolio_id, business_name),
    FOREIGN KEY (tenant_id, portfolio_id) REFERENCES portfolios (tenant_id, portfolio_id) ON DELETE CASCADE,
    CONSTRAINT portfolio_businesses_revenue_has_currency CHECK (annual_revenue IS NULL OR currency IS NOT NULL)
);
COMMENT ON TABLE portfolio_businesses IS
    'A business held in a portfolio, with the facts the analyses start from; its name is unique in the portfolio.';
COMMENT ON COLUMN portfolio_businesses.country IS 'ISO 3166-1 alpha-2 code, e.g. DE.';
COMMENT ON COLUMN portfolio_businesses.annual_revenue IS 'Last known annual revenue, in currency (required with it).';
COMMENT ON COLUMN portfolio_businesses.attributes IS 'Further facts about the business, a JSON object.';
CREATE TRIGGER portfolio_businesses_touch_updated_at BEFORE UPDATE ON portfolio_businesses
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE portfolio_businesses ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON portfolio_businesses TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON portfolio_businesses AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON portfolio_businesses FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON portfolio_businesses TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON portfolio_businesses TO application_service, tenant_api, db_administrators;
GRANT SELECT ON portfolio_businesses TO business_analysts;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE portfolios OWNER TO tenantdb_owner;
ALTER TABLE portfolio_businesses OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE portfolio_businesses;
DROP TABLE portfolios;

-- migrate:verify
SELECT 'portfolio ' || portfolio_id || ': metadata is not a JSON object' AS problem
FROM portfolios
WHERE jsonb_typeof(metadata) <> 'object';

SELECT 'business ' || business_id || ' has an annual revenue without a currency' AS problem
FROM portfolio_businesses
WHERE annual_revenue IS NOT NULL AND currency IS NULL;
