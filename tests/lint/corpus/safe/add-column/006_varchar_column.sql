-- Adds a varchar(255) column to tenants.
-- Safe: a catalog-only change; varchar(n) is a style choice, not a hazard.
-- Source: issue 15 (noise: prefer-text-over-varchar fails CI on migrations nobody calls unsafe)
-- expect: none
ALTER TABLE tenants ADD COLUMN billing_email varchar(255);
