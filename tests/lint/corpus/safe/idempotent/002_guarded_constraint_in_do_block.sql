-- Adds a constraint only when pg_constraint does not have it yet, inside a DO block.
-- Safe: re-runnable; the constraint is NOT VALID, so no scan.
-- Source: squawk docs, prefer-robust-stmts; PostgreSQL docs, DO
-- expect: none
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'orders_amount_non_negative') THEN
        ALTER TABLE orders ADD CONSTRAINT orders_amount_non_negative CHECK (amount >= 0) NOT VALID;
    END IF;
END
$$;
