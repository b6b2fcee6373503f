-- Inserts tiers computed by CASE without ELSE into a NOT NULL column.
-- Unsafe: an unmatched price yields NULL and the INSERT fails only when such a plan exists.
-- Source: PostgreSQL docs, Conditional Expressions
-- expect: ban-case-without-else
CREATE TABLE plan_tiers (
    plan_id bigint PRIMARY KEY REFERENCES plans (id),
    tier text NOT NULL
);
INSERT INTO plan_tiers (plan_id, tier)
SELECT id, CASE WHEN monthly_price < 50 THEN 'small' WHEN monthly_price < 500 THEN 'medium' END FROM plans;
