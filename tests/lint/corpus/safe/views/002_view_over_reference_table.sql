-- A view over plans (no tenant rows).
-- Safe: nothing to isolate; SELECT only to the reporting role.
-- Source: PostgreSQL docs, CREATE VIEW
-- expect: none
CREATE VIEW plan_catalog AS SELECT id, name, monthly_price FROM plans WHERE monthly_price > 0;
GRANT SELECT ON plan_catalog TO reporting;
