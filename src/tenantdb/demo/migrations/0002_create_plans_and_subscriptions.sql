-- migrate:up
CREATE TABLE plans (
    plan_id       uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    name          text          NOT NULL UNIQUE,
    price_monthly numeric(10,2) NOT NULL CHECK (price_monthly >= 0)
);

CREATE TABLE subscriptions (
    tenant_id            uuid        NOT NULL REFERENCES tenants ON DELETE CASCADE,
    subscription_id      uuid        NOT NULL DEFAULT gen_random_uuid(),
    plan_id              uuid        NOT NULL REFERENCES plans,
    status               text        NOT NULL DEFAULT 'active',
    current_period_start timestamptz NOT NULL DEFAULT now(),
    current_period_end   timestamptz NOT NULL DEFAULT now() + interval '1 month',
    PRIMARY KEY (tenant_id, subscription_id),
    CHECK (current_period_end > current_period_start)
);
CREATE INDEX subscriptions_plan_idx ON subscriptions (plan_id);

INSERT INTO plans (name, price_monthly) VALUES ('Free', 0), ('Growth', 49), ('Scale', 399);

-- migrate:down
DROP TABLE subscriptions;
DROP TABLE plans;

-- migrate:verify
SELECT 'plan ' || name || ' has a negative price' FROM plans WHERE price_monthly < 0;
SELECT 'the Free plan is missing' WHERE NOT EXISTS (SELECT FROM plans WHERE name = 'Free');
