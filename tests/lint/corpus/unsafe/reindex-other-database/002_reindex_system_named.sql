-- REINDEX SYSTEM naming a database.
-- Unsafe: only the current database can be named; a copied script fails on every other one.
-- Source: PostgreSQL docs, REINDEX
-- expect: ban-reindex-other-database
REINDEX SYSTEM analytics_prod;
