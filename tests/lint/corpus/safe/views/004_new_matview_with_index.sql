-- Creates an operator-only materialized view and its unique index.
-- Safe: a new materialized view over operator data; not granted to tenant roles.
-- Source: PostgreSQL docs, CREATE MATERIALIZED VIEW
-- expect: none
CREATE MATERIALIZED VIEW region_capacity AS
    SELECT region, count(*) AS instances, sum(monthly_cost) AS cost FROM vps_instances GROUP BY region;
CREATE UNIQUE INDEX region_capacity_region_idx ON region_capacity (region);
