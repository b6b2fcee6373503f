-- Adds an integer counter to plans.
-- Safe: a catalog-only change with a constant default; integer for a small counter is fine.
-- Source: issue 15 (noise: prefer-bigint-over-int)
-- expect: none
ALTER TABLE plans ADD COLUMN seat_limit integer NOT NULL DEFAULT 5;
