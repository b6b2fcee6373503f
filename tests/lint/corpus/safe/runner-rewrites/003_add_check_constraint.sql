-- ADD CONSTRAINT ... CHECK on orders without NOT VALID.
-- Safe: tenantdb's runner rewrites it online by default (online = true): lint reports the rewrite as info, not a
--   failure (NOT VALID, then VALIDATE in its own transaction).
-- Source: tenantdb DESIGN, online rewrites; squawk docs, constraint-missing-not-valid
-- expect: none
ALTER TABLE orders ADD CONSTRAINT orders_amount_non_negative CHECK (amount >= 0);
