-- migrate:up
CREATE TABLE affiliate_payouts (
    payout_id    uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    affiliate_id uuid          NOT NULL REFERENCES affiliates (affiliate_id),
    amount       numeric(12,2) NOT NULL CHECK (amount > 0),
    currency     text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    period_start date          NOT NULL,
    period_end   date          NOT NULL,
    paid_at      timestamptz,
    created_at   timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT affiliate_payouts_once_per_period UNIQUE (affiliate_id, period_start),
    CONSTRAINT affiliate_payouts_period_ordered CHECK (period_end > period_start)
);
COMMENT ON TABLE affiliate_payouts IS
    'Shared reference table (no tenant_id): money paid to an affiliate for a period, across all the companies it '
    'referred; on Citus a reference table. The permanent record of what was paid, kept when referred companies '
    'are deleted. Internal roles only (db_administrators write, business_analysts read).';
COMMENT ON COLUMN affiliate_payouts.period_end IS 'Exclusive end of the commission period the payout settles.';
COMMENT ON COLUMN affiliate_payouts.paid_at IS 'When the transfer was sent; NULL while the payout is scheduled.';

GRANT SELECT ON affiliate_payouts TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON affiliate_payouts TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE affiliate_payouts OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE affiliate_payouts;

-- migrate:verify
SELECT 'payout ' || p.payout_id || ' is in ' || p.currency || ' but affiliate ' || a.code || ' is paid in '
       || a.currency
FROM affiliate_payouts p
JOIN affiliates a ON a.affiliate_id = p.affiliate_id
WHERE p.currency <> a.currency;
