-- Fills a new operator-only rollup table from vps_instances.
-- Safe: reads existing rows, writes a new table.
-- Source: PostgreSQL docs, INSERT ... SELECT
-- expect: none
CREATE TABLE region_costs (
    region text PRIMARY KEY,
    monthly_cost numeric(12, 2) NOT NULL
);
INSERT INTO region_costs (region, monthly_cost)
SELECT region, sum(monthly_cost) FROM vps_instances GROUP BY region;
