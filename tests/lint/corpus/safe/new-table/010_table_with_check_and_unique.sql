-- Creates a table with CHECK and UNIQUE constraints inline.
-- Safe: constraints on a new table are checked against zero rows.
-- Source: PostgreSQL docs, Constraints
-- expect: none
CREATE TABLE plan_limits (
    plan_id bigint PRIMARY KEY REFERENCES plans (id),
    max_users integer NOT NULL CHECK (max_users > 0),
    max_emails_per_day bigint NOT NULL CHECK (max_emails_per_day >= 0),
    sku text NOT NULL UNIQUE
);
