-- migrate:up
CREATE TABLE payments (
    tenant_id            uuid          NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    payment_id           uuid          NOT NULL DEFAULT gen_random_uuid(),
    subscription_id      uuid          NOT NULL,
    amount               numeric(12,2) NOT NULL CHECK (amount >= 0),
    currency             text          NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status               text          NOT NULL DEFAULT 'pending'
                                       CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    billing_period_start timestamptz   NOT NULL,
    billing_period_end   timestamptz   NOT NULL,
    paid_at              timestamptz,
    external_payment_id  text,
    created_at           timestamptz   NOT NULL DEFAULT now(),
    updated_at           timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, payment_id),
    FOREIGN KEY (tenant_id, subscription_id) REFERENCES subscriptions (tenant_id, subscription_id),
    CONSTRAINT payments_external_payment_key UNIQUE (tenant_id, external_payment_id),
    CONSTRAINT payments_period_ordered CHECK (billing_period_end > billing_period_start),
    CONSTRAINT payments_paid_has_time CHECK (status NOT IN ('succeeded', 'refunded') OR paid_at IS NOT NULL)
);
COMMENT ON TABLE payments IS
    'One charge attempt for a billing period of a subscription. Money is numeric(12,2) in currency; a refund keeps '
    'the payment (status = refunded) and adds a negative billing_transactions row.';
COMMENT ON COLUMN payments.external_payment_id IS
    'The payment provider''s id (e.g. Stripe pi_...); unique per tenant when set, so webhook retries are idempotent.';
COMMENT ON COLUMN payments.paid_at IS 'When the money was captured; required for succeeded and refunded payments.';
CREATE INDEX payments_subscription_idx ON payments (tenant_id, subscription_id);
CREATE TRIGGER payments_touch_updated_at BEFORE UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE payments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payments TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON payments AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON payments FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON payments TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON payments TO application_service;
GRANT SELECT ON payments TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON payments TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE payments OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE payments;

-- migrate:verify
SELECT 'payment ' || payment_id || ' is ' || status || ' without paid_at'
FROM payments
WHERE status IN ('succeeded', 'refunded') AND paid_at IS NULL;
