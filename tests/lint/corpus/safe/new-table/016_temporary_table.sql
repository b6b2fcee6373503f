-- Creates a temporary staging table ON COMMIT DROP and loads a reference table from it.
-- Safe: temporary tables vanish with the transaction; plans only gains rows.
-- Source: PostgreSQL docs, CREATE TEMPORARY TABLE
-- expect: none
CREATE TEMPORARY TABLE staged_plans (name text PRIMARY KEY, price numeric(12, 2)) ON COMMIT DROP;
INSERT INTO staged_plans VALUES ('starter', 9), ('team', 49);
INSERT INTO plans (name, monthly_price) SELECT name, price FROM staged_plans ON CONFLICT (name) DO NOTHING;
