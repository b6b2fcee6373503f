-- migrate:up
CREATE TABLE billing_transactions (
    tenant_id      uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    transaction_id uuid          NOT NULL DEFAULT gen_random_uuid(),
    payment_id     uuid,
    kind           text          NOT NULL CHECK (kind IN ('charge', 'refund', 'credit', 'adjustment')),
    amount         numeric(12,2) NOT NULL,
    currency       text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    occurred_at    timestamptz   NOT NULL DEFAULT now(),
    description    text,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, transaction_id),
    FOREIGN KEY (tenant_id, payment_id) REFERENCES payments (tenant_id, payment_id),
    CONSTRAINT billing_transactions_amount_sign CHECK (
        CASE kind
            WHEN 'charge' THEN amount > 0
            WHEN 'refund' THEN amount < 0
            WHEN 'credit' THEN amount < 0
            ELSE amount <> 0
        END
    )
);
COMMENT ON TABLE billing_transactions IS
    'The billing ledger, append-only: corrections are new rows (kind = adjustment), never edits. Amounts are '
    'signed from the platform''s point of view, so SUM(amount) per tenant and currency is the net revenue: '
    'charge > 0, refund < 0, credit < 0 (a credit reduces what the tenant pays), adjustment either sign, never 0. '
    'Tenant roles never date an entry more than a day ahead.';
COMMENT ON COLUMN billing_transactions.amount IS
    'Signed: charge > 0, refund < 0, credit < 0, adjustment <> 0 (enforced by billing_transactions_amount_sign).';
COMMENT ON COLUMN billing_transactions.payment_id IS 'The payment this entry settles or refunds; NULL for credits.';
CREATE INDEX billing_transactions_payment_idx ON billing_transactions (tenant_id, payment_id);
CREATE INDEX billing_transactions_recent_idx ON billing_transactions (tenant_id, occurred_at DESC);

ALTER TABLE billing_transactions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON billing_transactions TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON billing_transactions AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
-- A tenant role records what has happened: an entry dated ahead would make the BI refresh allocate every tenant's
-- cost in months that have not begun and become every dashboard's reporting month (RELIABILITY R24). A day of
-- clock skew is allowed; db_administrators may date entries freely.
CREATE POLICY tenant_records_the_past ON billing_transactions AS RESTRICTIVE FOR INSERT
    TO application_service, tenant_api
    WITH CHECK (occurred_at <= now() + interval '1 day');
CREATE POLICY analysts_read ON billing_transactions FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON billing_transactions TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON billing_transactions TO application_service;
GRANT SELECT ON billing_transactions TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON billing_transactions TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE billing_transactions OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE billing_transactions;

-- migrate:verify
SELECT 'transaction ' || transaction_id || ' (' || kind || ') has the wrong sign: ' || amount
FROM billing_transactions
WHERE NOT CASE kind
              WHEN 'charge' THEN amount > 0
              WHEN 'refund' THEN amount < 0
              WHEN 'credit' THEN amount < 0
              ELSE amount <> 0
          END;
SELECT 'payment ' || p.payment_id || ' refunded ' || -sum(t.amount) || ' of ' || p.amount
FROM billing_transactions t
JOIN payments p ON p.tenant_id = t.tenant_id AND p.payment_id = t.payment_id
WHERE t.kind = 'refund'
GROUP BY p.tenant_id, p.payment_id, p.amount
HAVING -sum(t.amount) > p.amount;
