-- migrate:up
CREATE TABLE affiliate_commissions (
    tenant_id     uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    commission_id uuid          NOT NULL DEFAULT gen_random_uuid(),
    affiliate_id  uuid          NOT NULL,
    referral_id   uuid          NOT NULL,
    payment_id    uuid,
    amount        numeric(12,2) NOT NULL CHECK (amount >= 0),
    status        text          NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'paid', 'void')),
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, commission_id),
    FOREIGN KEY (tenant_id, referral_id, affiliate_id)
        REFERENCES affiliate_referrals (tenant_id, referral_id, affiliate_id) ON UPDATE CASCADE,
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, payment_id),
    CONSTRAINT affiliate_commissions_payment_key UNIQUE (tenant_id, payment_id)
);
COMMENT ON TABLE affiliate_commissions IS
    'Commission owed to the affiliate who referred the company (tenant_id) on one of its payments, in the '
    'affiliate''s currency. approved and paid commissions count in affiliate_totals.total_earnings (summed on '
    'read); deleting the company deletes them and lowers the total, while affiliate_payouts keeps what was paid '
    'out.';
COMMENT ON COLUMN affiliate_commissions.affiliate_id IS
    'Always the affiliate of the referral (composite foreign key; moving a referral moves its commissions).';
COMMENT ON COLUMN affiliate_commissions.payment_id IS
    'The payment the commission is earned on: at most one commission per payment, so webhook retries are idempotent.';
CREATE INDEX affiliate_commissions_referral_idx ON affiliate_commissions (tenant_id, referral_id, affiliate_id);
-- No index on (affiliate_id, status): it would not lead with tenant_id, and a tenant could count other tenants'
-- commissions in EXPLAIN ANALYZE (RELIABILITY R26). A tenant's commissions are found by the keys' tenant_id
-- prefix; affiliate_totals aggregates every affiliate in one pass over the table.
CREATE TRIGGER affiliate_commissions_touch_updated_at BEFORE UPDATE ON affiliate_commissions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE affiliate_commissions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON affiliate_commissions TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON affiliate_commissions AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON affiliate_commissions FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON affiliate_commissions TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_commissions TO application_service;
GRANT SELECT ON affiliate_commissions TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_commissions TO db_administrators;

-- An affiliate's referral count and earnings, summed on read. Nothing is maintained by a tenant's write: a shared
-- counter that tenants' triggers add to makes each tenant's write fail, overflow or wait on the other tenants'
-- data (RELIABILITY R25). security_invoker: the reader's row-level security applies; only the internal roles,
-- which see every tenant's referrals and commissions, may read it.
CREATE VIEW affiliate_totals WITH (security_invoker = true) AS
WITH referrals AS (
    SELECT r.affiliate_id, count(*) AS referral_count
    FROM affiliate_referrals r
    WHERE r.status <> 'rejected'
    GROUP BY r.affiliate_id
), earnings AS (
    SELECT c.affiliate_id, sum(c.amount) AS total_earnings
    FROM affiliate_commissions c
    WHERE c.status IN ('approved', 'paid')
    GROUP BY c.affiliate_id
)
SELECT a.affiliate_id,
       a.code,
       coalesce(referrals.referral_count, 0) AS referral_count,
       coalesce(earnings.total_earnings, 0)  AS total_earnings
FROM affiliates a
LEFT JOIN referrals ON referrals.affiliate_id = a.affiliate_id
LEFT JOIN earnings ON earnings.affiliate_id = a.affiliate_id;
COMMENT ON VIEW affiliate_totals IS
    'Per affiliate: referral_count = referrals not rejected, total_earnings = approved and paid commissions (in '
    'the affiliate''s currency, numeric without a limit), summed on read over every referred tenant. For '
    'business_analysts and db_administrators only: tenant roles may not read it (verify block).';
GRANT SELECT ON affiliate_totals TO business_analysts, db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE affiliate_commissions OWNER TO tenantdb_owner;
ALTER VIEW affiliate_totals OWNER TO tenantdb_owner;

-- migrate:down
DROP VIEW affiliate_totals;
DROP TABLE affiliate_commissions;

-- migrate:verify
SELECT 'role ' || r.rolname || ' may read affiliate_totals, which sums the commissions of every referred tenant'
FROM pg_roles r
WHERE r.rolname IN ('application_service', 'tenant_api')
  AND has_table_privilege(r.oid, 'affiliate_totals', 'SELECT');
