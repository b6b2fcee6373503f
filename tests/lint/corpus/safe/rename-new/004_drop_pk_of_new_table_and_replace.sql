-- Creates a table and swaps its single-column primary key for a composite one in the same migration.
-- Safe: the table is new and empty: nothing references it yet.
-- Source: PostgreSQL docs, ALTER TABLE DROP CONSTRAINT / ADD PRIMARY KEY
-- expect: none
CREATE TABLE region_prices (
    region text NOT NULL,
    plan_id bigint NOT NULL REFERENCES plans (id),
    price numeric(12, 2) NOT NULL,
    CONSTRAINT region_prices_pkey PRIMARY KEY (region)
);
ALTER TABLE region_prices DROP CONSTRAINT region_prices_pkey;
ALTER TABLE region_prices ADD CONSTRAINT region_prices_pkey PRIMARY KEY (region, plan_id);
