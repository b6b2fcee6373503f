-- migrate:up
CREATE TABLE affiliate_referrals (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    referral_id  uuid        NOT NULL DEFAULT gen_random_uuid(),
    affiliate_id uuid        NOT NULL REFERENCES affiliates (affiliate_id),
    referred_at  timestamptz NOT NULL DEFAULT now(),
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'converted', 'rejected')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, referral_id),
    CONSTRAINT affiliate_referrals_once_per_company UNIQUE (tenant_id),
    CONSTRAINT affiliate_referrals_affiliate_key UNIQUE (tenant_id, referral_id, affiliate_id)
);
COMMENT ON TABLE affiliate_referrals IS
    'Which affiliate referred a company (tenant_id = the referred company, once per company). Tenant-owned so it '
    'is distributed with the company; application_service writes it at sign-up. tenant_api has no access: '
    'the referral terms are the platform''s business with the partner, not the tenant''s.';
COMMENT ON COLUMN affiliate_referrals.status IS
    'pending (signed up), converted (became a paying customer) or rejected (fraud, self-referral): rejected '
    'referrals do not count in affiliate_totals.referral_count.';
COMMENT ON CONSTRAINT affiliate_referrals_affiliate_key ON affiliate_referrals IS
    'Target of the commissions'' foreign key, so a commission always goes to the affiliate of its referral.';
-- No index on affiliate_id: an index that does not lead with tenant_id lets a tenant count other tenants' rows
-- in EXPLAIN ANALYZE (RELIABILITY R26). A company has one referral, so the keys above serve every tenant's lookup;
-- the per-affiliate totals read the whole table anyway.
CREATE TRIGGER affiliate_referrals_touch_updated_at BEFORE UPDATE ON affiliate_referrals
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE affiliate_referrals ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON affiliate_referrals TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON affiliate_referrals AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON affiliate_referrals FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON affiliate_referrals TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_referrals TO application_service;
GRANT SELECT ON affiliate_referrals TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_referrals TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE affiliate_referrals OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE affiliate_referrals;
