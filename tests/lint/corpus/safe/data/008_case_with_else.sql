-- Fills a new table with a CASE that has an ELSE.
-- Safe: every row gets a value.
-- Source: PostgreSQL docs, Conditional Expressions
-- expect: none
CREATE TABLE plan_bands (
    plan_id bigint PRIMARY KEY REFERENCES plans (id),
    band text NOT NULL
);
INSERT INTO plan_bands (plan_id, band)
SELECT id, CASE WHEN monthly_price = 0 THEN 'free' WHEN monthly_price < 100 THEN 'standard' ELSE 'premium' END
FROM plans;
