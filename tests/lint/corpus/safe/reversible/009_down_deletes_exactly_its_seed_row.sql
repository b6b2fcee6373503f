-- Inserts one operator plan; down deletes exactly that row by its unique name.
-- Safe: the down removes the row the up inserted and nothing else (a tenant still on the plan makes it fail, not
--   lose data).
-- Source: tenantdb DESIGN, rollbacks
-- expect: none
-- migrate:up
INSERT INTO plans (name, monthly_price) VALUES ('legacy-2019', 19);
-- migrate:down
DELETE FROM plans WHERE name = 'legacy-2019';
