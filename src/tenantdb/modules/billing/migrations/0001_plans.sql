-- migrate:up
CREATE TABLE plans (
    plan_id        uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    name           text          NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    price_monthly  numeric(10,2) NOT NULL CHECK (price_monthly >= 0),
    billing_period text          NOT NULL DEFAULT 'monthly' CHECK (billing_period IN ('monthly', 'yearly')),
    currency       text          NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$'),
    feature_limits jsonb         NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(feature_limits) = 'object'),
    is_active      boolean       NOT NULL DEFAULT true,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    updated_at     timestamptz   NOT NULL DEFAULT now()
);
COMMENT ON TABLE plans IS
    'Shared reference catalog of the platform''s price plans (no tenant_id: every tenant reads the same rows). '
    'On Citus: SELECT create_reference_table(''plans''), so subscriptions can keep a foreign key to it on every '
    'shard. Tenant roles may only read it; plans are retired with is_active = false, never deleted while '
    'subscribed.';
COMMENT ON COLUMN plans.price_monthly IS
    'Price per month in currency; a yearly plan states its monthly equivalent (the charge is 12 x this).';
COMMENT ON COLUMN plans.feature_limits IS
    'Limits the plan grants, a JSON object such as {"seats": 10, "emails_per_month": 50000}; absent key = unlimited.';
CREATE TRIGGER plans_touch_updated_at BEFORE UPDATE ON plans
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

GRANT SELECT ON plans TO application_service, tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON plans TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE plans OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE plans;

-- migrate:verify
SELECT 'plan ' || name || ' has a negative price' FROM plans WHERE price_monthly < 0;
SELECT 'plan ' || name || ': feature_limits is not a JSON object'
FROM plans
WHERE jsonb_typeof(feature_limits) <> 'object';
