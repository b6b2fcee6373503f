-- CREATE SCHEMA IF NOT EXISTS and CREATE SEQUENCE IF NOT EXISTS.
-- Safe: re-runnable, catalog-only.
-- Source: squawk docs, prefer-robust-stmts
-- expect: none
CREATE SCHEMA IF NOT EXISTS billing;
CREATE SEQUENCE IF NOT EXISTS billing.invoice_numbers AS bigint;
