-- Creates a staging table, uses it, and drops it (DROP TABLE IF EXISTS) in the same migration.
-- Safe: the dropped table was created and filled by this migration: nothing anyone owned is lost.
-- Source: issue 15 (DROP TABLE of a table created and dropped within the run)
-- expect: none
CREATE TABLE plan_staging (
    name text PRIMARY KEY,
    monthly_price numeric(12, 2) NOT NULL
);
INSERT INTO plan_staging VALUES ('pro', 29), ('business', 99);
INSERT INTO plans (name, monthly_price) SELECT name, monthly_price FROM plan_staging ON CONFLICT (name) DO NOTHING;
DROP TABLE IF EXISTS plan_staging;
