-- REFRESH MATERIALIZED VIEW CONCURRENTLY (the view has a unique index).
-- Safe: readers keep reading the old contents during the refresh.
-- Source: PostgreSQL docs, REFRESH MATERIALIZED VIEW CONCURRENTLY
-- expect: none
REFRESH MATERIALIZED VIEW CONCURRENTLY plan_popularity;
