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
    'referrals do not count in affiliates.referral_count.';
COMMENT ON CONSTRAINT affiliate_referrals_affiliate_key ON affiliate_referrals IS
    'Target of the commissions'' foreign key, so a commission always goes to the affiliate of its referral.';
CREATE INDEX affiliate_referrals_affiliate_idx ON affiliate_referrals (affiliate_id);
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

CREATE FUNCTION tenantdb_affiliate_referrals_count() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    ids    uuid[];
    deltas bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(n ORDER BY affiliate_id) INTO ids, deltas
        FROM (SELECT affiliate_id, count(*) AS n FROM new_rows WHERE status <> 'rejected' GROUP BY affiliate_id) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(-n ORDER BY affiliate_id) INTO ids, deltas
        FROM (SELECT affiliate_id, count(*) AS n FROM old_rows WHERE status <> 'rejected' GROUP BY affiliate_id) d;
    ELSE
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(n ORDER BY affiliate_id) INTO ids, deltas
        FROM (
            SELECT affiliate_id, sum(n) AS n
            FROM (
                SELECT affiliate_id, 1 AS n FROM new_rows WHERE status <> 'rejected'
                UNION ALL
                SELECT affiliate_id, -1 AS n FROM old_rows WHERE status <> 'rejected'
            ) changes
            GROUP BY affiliate_id
            HAVING sum(n) <> 0
        ) d;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM tenantdb_affiliates_add(ids, deltas, array_fill(0::numeric, ARRAY[cardinality(ids)]));
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tenantdb_affiliate_referrals_count() IS
    'Statement trigger: keeps affiliates.referral_count equal to the number of non-rejected referrals. SECURITY '
    'DEFINER because the writers (application_service) must not be able to UPDATE the shared affiliates table.';
REVOKE EXECUTE ON FUNCTION tenantdb_affiliate_referrals_count() FROM PUBLIC;
CREATE TRIGGER affiliate_referrals_count_insert AFTER INSERT ON affiliate_referrals
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_referrals_count();
CREATE TRIGGER affiliate_referrals_count_update AFTER UPDATE ON affiliate_referrals
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_referrals_count();
CREATE TRIGGER affiliate_referrals_count_delete AFTER DELETE ON affiliate_referrals
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_referrals_count();

-- migrate:down
DROP TABLE affiliate_referrals;
DROP FUNCTION tenantdb_affiliate_referrals_count();

-- migrate:verify
SELECT 'affiliate ' || a.code || ': referral_count ' || a.referral_count || ' but ' || count(r.referral_id)
       || ' referrals'
FROM affiliates a
LEFT JOIN affiliate_referrals r ON r.affiliate_id = a.affiliate_id AND r.status <> 'rejected'
GROUP BY a.affiliate_id, a.code, a.referral_count
HAVING a.referral_count <> count(r.referral_id);
