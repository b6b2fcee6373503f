-- Picks the cheapest plan with ORDER BY ... LIMIT 1 into a nullable column.
-- Safe: a deterministic choice; with no plan at all the nullable column simply stays NULL.
-- Source: PostgreSQL docs, LIMIT and OFFSET
-- expect: none
CREATE TABLE signup_defaults (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    plan_id bigint REFERENCES plans (id)
);
INSERT INTO signup_defaults (plan_id)
VALUES ((SELECT id FROM plans ORDER BY monthly_price, id LIMIT 1));
