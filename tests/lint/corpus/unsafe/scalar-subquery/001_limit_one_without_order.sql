-- Sets a default plan from a LIMIT 1 subquery without ORDER BY.
-- Unsafe: which row LIMIT 1 returns is unspecified: different environments get different plans.
-- Source: issue 15, reference customer's classes: a LIMIT 1 scalar subquery without ORDER BY; PostgreSQL docs,
--   LIMIT and OFFSET
-- expect: ban-unordered-limit-subquery
UPDATE tenants SET plan_id = (SELECT id FROM plans LIMIT 1) WHERE plan_id IS NULL;
