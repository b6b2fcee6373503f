-- REFRESH MATERIALIZED VIEW ... WITH DATA.
-- Unsafe: same ACCESS EXCLUSIVE lock on the view.
-- Source: PostgreSQL docs, REFRESH MATERIALIZED VIEW
-- expect: ban-blocking-refresh-materialized-view
REFRESH MATERIALIZED VIEW plan_popularity WITH DATA;
