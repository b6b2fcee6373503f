-- Adds a numeric(12,2) column DEFAULT 0 to orders.
-- Safe: constant default: no rewrite.
-- Source: squawk docs, adding-field-with-default
-- expect: none
ALTER TABLE orders ADD COLUMN discount numeric(12, 2) NOT NULL DEFAULT 0;
