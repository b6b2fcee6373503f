-- Every existing user starts on the Free plan the previous migration created.
-- migrate:up
CREATE TABLE user_subscriptions (
    user_id    uuid        PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    plan_id    uuid        NOT NULL REFERENCES subscription_plans,
    status     text        NOT NULL DEFAULT 'active' CHECK (status IN ('trialing', 'active', 'canceled')),
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_subscriptions_plan_idx ON user_subscriptions (plan_id);
INSERT INTO user_subscriptions (user_id, plan_id)
SELECT u.user_id, (SELECT plan_id FROM subscription_plans WHERE name = 'Free')
FROM users AS u
WHERE u.created_at < now() - interval '30 days';  -- the mistake: only long-time users get a plan

-- migrate:down
DROP TABLE user_subscriptions;

-- migrate:verify
SELECT u.email || ' has no subscription'
FROM users AS u
WHERE NOT EXISTS (SELECT FROM user_subscriptions AS s WHERE s.user_id = u.user_id);
