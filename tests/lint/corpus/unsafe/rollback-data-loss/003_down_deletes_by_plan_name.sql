-- The down section deletes the tenants on a plan, found by the plan's name.
-- Unsafe: tenants that chose the plan after the migration lose their rows.
-- Source: issue 15, reference customer's classes: deletes by plan name
-- expect: ban-down-deletes-new-rows
-- migrate:up
INSERT INTO plans (name, monthly_price) VALUES ('growth', 99);
-- migrate:down
DELETE FROM tenants WHERE plan_id = (SELECT id FROM plans WHERE name = 'growth');
DELETE FROM plans WHERE name = 'growth';
