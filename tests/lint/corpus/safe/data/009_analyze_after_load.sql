-- ANALYZE a table after a bulk load.
-- Safe: ANALYZE takes SHARE UPDATE EXCLUSIVE: reads and writes continue.
-- Source: PostgreSQL docs, ANALYZE
-- expect: none
ANALYZE orders;
