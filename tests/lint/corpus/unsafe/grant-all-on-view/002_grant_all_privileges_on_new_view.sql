-- Creates a view and grants ALL PRIVILEGES on it to business_analysts.
-- Unsafe: analysts only need SELECT; ALL lets them modify plans through the view.
-- Source: PostgreSQL docs, GRANT
-- expect: ban-grant-all-on-view
CREATE VIEW plan_prices AS SELECT id, name, monthly_price FROM plans;
GRANT ALL PRIVILEGES ON plan_prices TO business_analysts;
