-- ALTER COLUMN ... DROP DEFAULT.
-- Safe: catalog-only.
-- Source: PostgreSQL docs, ALTER TABLE DROP DEFAULT
-- expect: none
ALTER TABLE plans ALTER COLUMN monthly_price DROP DEFAULT;
