-- Renames the materialized view plan_popularity.
-- Unsafe: readers query it by name; the old name stops resolving.
-- Source: PostgreSQL docs, ALTER MATERIALIZED VIEW
-- expect: ban-rename-table
ALTER MATERIALIZED VIEW plan_popularity RENAME TO plan_counts;
