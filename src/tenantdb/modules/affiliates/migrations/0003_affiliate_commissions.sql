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
    'affiliate''s currency. approved and paid commissions count in affiliates.total_earnings (kept by triggers); '
    'deleting the company deletes them and lowers the total, while affiliate_payouts keeps what was paid out.';
COMMENT ON COLUMN affiliate_commissions.affiliate_id IS
    'Always the affiliate of the referral (composite foreign key; moving a referral moves its commissions).';
COMMENT ON COLUMN affiliate_commissions.payment_id IS
    'The payment the commission is earned on: at most one commission per payment, so webhook retries are idempotent.';
CREATE INDEX affiliate_commissions_referral_idx ON affiliate_commissions (tenant_id, referral_id, affiliate_id);
CREATE INDEX affiliate_commissions_affiliate_idx ON affiliate_commissions (affiliate_id, status);
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

CREATE FUNCTION tenantdb_affiliate_commissions_earnings() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    ids    uuid[];
    deltas numeric[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(earned ORDER BY affiliate_id) INTO ids, deltas
        FROM (
            SELECT affiliate_id, sum(amount) AS earned
            FROM new_rows
            WHERE status IN ('approved', 'paid')
            GROUP BY affiliate_id
        ) d;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(-earned ORDER BY affiliate_id) INTO ids, deltas
        FROM (
            SELECT affiliate_id, sum(amount) AS earned
            FROM old_rows
            WHERE status IN ('approved', 'paid')
            GROUP BY affiliate_id
        ) d;
    ELSE
        SELECT array_agg(affiliate_id ORDER BY affiliate_id), array_agg(earned ORDER BY affiliate_id) INTO ids, deltas
        FROM (
            SELECT affiliate_id, sum(amount) AS earned
            FROM (
                SELECT affiliate_id, amount FROM new_rows WHERE status IN ('approved', 'paid')
                UNION ALL
                SELECT affiliate_id, -amount FROM old_rows WHERE status IN ('approved', 'paid')
            ) changes
            GROUP BY affiliate_id
            HAVING sum(amount) <> 0
        ) d;
    END IF;
    IF ids IS NOT NULL THEN
        PERFORM tenantdb_affiliates_add(ids, array_fill(0::bigint, ARRAY[cardinality(ids)]), deltas);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION tenantdb_affiliate_commissions_earnings() IS
    'Statement trigger: keeps affiliates.total_earnings equal to the sum of approved and paid commissions. '
    'SECURITY DEFINER because the writers (application_service) must not be able to UPDATE the shared affiliates '
    'table.';
REVOKE EXECUTE ON FUNCTION tenantdb_affiliate_commissions_earnings() FROM PUBLIC;
CREATE TRIGGER affiliate_commissions_earnings_insert AFTER INSERT ON affiliate_commissions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_commissions_earnings();
CREATE TRIGGER affiliate_commissions_earnings_update AFTER UPDATE ON affiliate_commissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_commissions_earnings();
CREATE TRIGGER affiliate_commissions_earnings_delete AFTER DELETE ON affiliate_commissions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tenantdb_affiliate_commissions_earnings();

CREATE FUNCTION tenantdb_affiliates_recount() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    changed bigint;
BEGIN
    -- SHARE mode waits for running writers and holds new ones until commit, so no delta is lost in between.
    LOCK TABLE affiliate_referrals, affiliate_commissions IN SHARE MODE;
    UPDATE affiliates a
    SET    referral_count = t.referrals,
           total_earnings = t.earnings
    FROM (
        SELECT f.affiliate_id,
               (SELECT count(*) FROM affiliate_referrals r
                WHERE r.affiliate_id = f.affiliate_id AND r.status <> 'rejected') AS referrals,
               (SELECT coalesce(sum(c.amount), 0) FROM affiliate_commissions c
                WHERE c.affiliate_id = f.affiliate_id AND c.status IN ('approved', 'paid')) AS earnings
        FROM affiliates f
    ) t
    WHERE a.affiliate_id = t.affiliate_id
      AND (a.referral_count, a.total_earnings) IS DISTINCT FROM (t.referrals, t.earnings);
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END;
$$;
COMMENT ON FUNCTION tenantdb_affiliates_recount() IS
    'Recomputes affiliates.referral_count and total_earnings from the detail rows (after a restore or a manual '
    'fix); returns the number of affiliates corrected. Run it as a role that sees every tenant '
    '(db_administrators).';
REVOKE EXECUTE ON FUNCTION tenantdb_affiliates_recount() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION tenantdb_affiliates_recount() TO db_administrators;

-- migrate:down
DROP FUNCTION tenantdb_affiliates_recount();
DROP TABLE affiliate_commissions;
DROP FUNCTION tenantdb_affiliate_commissions_earnings();

-- migrate:verify
SELECT 'affiliate ' || a.code || ': total_earnings ' || a.total_earnings || ' but approved and paid commissions sum '
       || coalesce(sum(c.amount), 0)
FROM affiliates a
LEFT JOIN affiliate_commissions c ON c.affiliate_id = a.affiliate_id AND c.status IN ('approved', 'paid')
GROUP BY a.affiliate_id, a.code, a.total_earnings
HAVING a.total_earnings <> coalesce(sum(c.amount), 0);
