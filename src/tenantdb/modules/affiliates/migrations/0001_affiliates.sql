-- migrate:up
CREATE TABLE affiliates (
    affiliate_id    uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    code            text          NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{2,63}$'),
    name            text          NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email           text          NOT NULL CHECK (position('@' IN email) > 1),
    commission_rate numeric(5,4)  NOT NULL DEFAULT 0.2 CHECK (commission_rate BETWEEN 0 AND 1),
    currency        text          NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
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
    'No tenant''s write changes a row of it (a referral''s foreign key takes only a KEY SHARE lock on its '
    'affiliate, which any number of tenants hold at once): an affiliate''s referral count and earnings are '
    'summed on read from the tenants'' rows (view affiliate_totals), never kept here.';
COMMENT ON COLUMN affiliates.commission_rate IS 'Share of each referred payment paid as commission, 0..1 (0.2 = 20 %).';
COMMENT ON COLUMN affiliates.currency IS 'Payout currency: commission and payout amounts are in this currency.';
CREATE TRIGGER affiliates_touch_updated_at BEFORE UPDATE ON affiliates
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

GRANT SELECT (affiliate_id, code, status) ON affiliates TO application_service;
GRANT SELECT (affiliate_id, code, name, commission_rate, currency, status, created_at, updated_at)
    ON affiliates TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliates TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE affiliates OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE affiliates;

-- migrate:verify
SELECT 'affiliate ' || code || ' has a commission rate outside 0..1' FROM affiliates
WHERE commission_rate NOT BETWEEN 0 AND 1;
