-- Refreshes plan_popularity without CONCURRENTLY.
-- Unsafe: readers of the materialized view are blocked for the whole refresh.
-- Source: PostgreSQL docs, REFRESH MATERIALIZED VIEW
-- expect: ban-blocking-refresh-materialized-view
REFRESH MATERIALIZED VIEW plan_popularity;
