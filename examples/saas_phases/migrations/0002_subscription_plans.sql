-- migrate:up
CREATE TABLE subscription_plans (
    plan_id       uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text          NOT NULL UNIQUE,
    price_monthly numeric(10,2) NOT NULL CHECK (price_monthly >= 0),
    feature_limits jsonb        NOT NULL DEFAULT '{}'
);
INSERT INTO subscription_plans (name, price_monthly, feature_limits) VALUES
    ('Free', 0, '{"ai_sessions": 0, "reports": 1}'),
    ('Pro', 49, '{"ai_sessions": 50, "reports": 20}'),
    ('Business', 199, '{"ai_sessions": 500, "reports": 200}');

-- migrate:down
DROP TABLE subscription_plans;

-- migrate:verify
SELECT 'the Free plan is missing' WHERE NOT EXISTS (SELECT FROM subscription_plans WHERE name = 'Free');
