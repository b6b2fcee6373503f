-- migrate:up
CREATE TABLE subscriptions (
    tenant_id              uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    subscription_id        uuid        NOT NULL DEFAULT gen_random_uuid(),
    plan_id                uuid        NOT NULL REFERENCES plans (plan_id),
    status                 text        NOT NULL DEFAULT 'trialing'
                                       CHECK (status IN ('trialing', 'active', 'past_due', 'canceled', 'paused')),
    current_period_start   timestamptz NOT NULL,
    current_period_end     timestamptz NOT NULL,
    trial_end              timestamptz,
    stripe_customer_id     text,
    stripe_subscription_id text,
    canceled_at            timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, subscription_id),
    CONSTRAINT subscriptions_stripe_subscription_key UNIQUE (tenant_id, stripe_subscription_id),
    CONSTRAINT subscriptions_period_ordered CHECK (current_period_end > current_period_start),
    CONSTRAINT subscriptions_canceled_has_time CHECK (status <> 'canceled' OR canceled_at IS NOT NULL)
);
COMMENT ON TABLE subscriptions IS
    'A tenant''s subscription to a plan, mirrored from the payment provider. A tenant may hold several (add-ons, '
    'history); canceled ones are kept.';
COMMENT ON COLUMN subscriptions.stripe_subscription_id IS
    'Stripe''s sub_... id; unique per tenant when set. Webhook handlers resolve the tenant from the event''s '
    'metadata (tenant_id) and set the tenant context (docs/security.md) before looking it up.';
COMMENT ON COLUMN subscriptions.canceled_at IS 'When the subscription was canceled; required once status = canceled.';
-- Led by tenant_id like every index of a tenant table (RELIABILITY R26): one led by plan_id would let a tenant's
-- own predicate on plan_id drive a scan that row-level security only filters, and EXPLAIN ANALYZE count the rows
-- of other tenants on that plan.
CREATE INDEX subscriptions_plan_idx ON subscriptions (tenant_id, plan_id);
CREATE TRIGGER subscriptions_touch_updated_at BEFORE UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE subscriptions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subscriptions TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON subscriptions AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON subscriptions FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON subscriptions TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions TO application_service;
GRANT SELECT ON subscriptions TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON subscriptions TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE subscriptions OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE subscriptions;

-- migrate:verify
SELECT 'subscription ' || subscription_id || ' ends before it starts'
FROM subscriptions
WHERE current_period_end <= current_period_start;
SELECT 'subscription ' || subscription_id || ' is canceled without canceled_at'
FROM subscriptions
WHERE status = 'canceled' AND canceled_at IS NULL;
