-- migrate:up
CREATE TABLE affiliates (
    affiliate_id    uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    code            text          NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
    name            text          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email           text          NOT NULL CHECK (position('@' IN email) > 1),
    commission_rate numeric(5,4)  NOT NULL DEFAULT 0.2 CHECK (commission_rate BETWEEN 0 AND 1),
    currency        text          NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    referral_count  bigint        NOT NULL DEFAULT 0 CHECK (referral_count >= 0),
    total_earnings  numeric(14,2) NOT NULL DEFAULT 0 CHECK (total_earnings >= 0),
    status          text          NOT NULL DEFAULT 'active'
                                  CHECK (status IN ('pending', 'active', 'suspended', 'closed')),
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now()
);
COMMENT ON TABLE affiliates IS
    'Shared reference table (no tenant_id): the platform''s partners who refer companies; they are not tenants. '
    'On Citus: SELECT create_reference_table(''affiliates''), so the tenant-distributed referrals keep their '
    'foreign key on every shard. Holds partners'' personal data (email): tenant roles get no access; '
    'application_service may read only affiliate_id, code and status (to resolve a referral code at sign-up). '
    'On Citus, triggers on the distributed referrals and commissions cannot update this reference table: drop '
    'the counter triggers there and run tenantdb_affiliates_recount() on a schedule instead.';
COMMENT ON COLUMN affiliates.commission_rate IS 'Share of each referred payment paid as commission, 0..1 (0.2 = 20 %).';
COMMENT ON COLUMN affiliates.currency IS 'Payout currency: commission and payout amounts are in this currency.';
COMMENT ON COLUMN affiliates.referral_count IS
    'Referrals not rejected. Maintained by triggers on affiliate_referrals; never write it directly '
    '(tenantdb_affiliates_recount() recomputes it).';
COMMENT ON COLUMN affiliates.total_earnings IS
    'Sum of approved and paid commissions. Maintained by triggers on affiliate_commissions; never write it '
    'directly (tenantdb_affiliates_recount() recomputes it).';
CREATE TRIGGER affiliates_touch_updated_at BEFORE UPDATE ON affiliates
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

GRANT SELECT (affiliate_id, code, status) ON affiliates TO application_service;
GRANT SELECT (affiliate_id, code, name, commission_rate, currency, referral_count, total_earnings, status, created_at,
              updated_at)
    ON affiliates TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliates TO db_administrators;

CREATE FUNCTION tenantdb_affiliates_add(affiliate_ids uuid[], referrals bigint[], earnings numeric[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    -- Lock the rows in affiliate_id order first, so two statements touching the same affiliates cannot deadlock;
    -- each UPDATE then adds to the committed value it waited for (no read-modify-write in the client).
    PERFORM 1 FROM affiliates WHERE affiliate_id = ANY (affiliate_ids) ORDER BY affiliate_id FOR NO KEY UPDATE;
    UPDATE affiliates a
    SET    referral_count = a.referral_count + d.referrals,
           total_earnings = a.total_earnings + d.earnings
    FROM   unnest(affiliate_ids, referrals, earnings) AS d (affiliate_id, referrals, earnings)
    WHERE  a.affiliate_id = d.affiliate_id;
END;
$$;
COMMENT ON FUNCTION tenantdb_affiliates_add(uuid[], bigint[], numeric[]) IS
    'Adds per-affiliate deltas to referral_count and total_earnings, locking rows in a fixed order. Called by the '
    'counter triggers; EXECUTE is not granted to anyone.';
REVOKE EXECUTE ON FUNCTION tenantdb_affiliates_add(uuid[], bigint[], numeric[]) FROM PUBLIC;

-- migrate:down
DROP FUNCTION tenantdb_affiliates_add(uuid[], bigint[], numeric[]);
DROP TABLE affiliates;

-- migrate:verify
SELECT 'affiliate ' || code || ' has a commission rate outside 0..1' FROM affiliates
WHERE commission_rate NOT BETWEEN 0 AND 1;
