-- A verify block SELECT max(yearly_price) FROM plans WHERE yearly_price < 0.
-- Unsafe: an aggregate without GROUP BY always returns one row: the gate fails on every database, or is ignored.
-- Source: issue 15, reference customer's classes: verification queries that cannot fail
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE plans ADD COLUMN yearly_price numeric(12, 2);
-- migrate:down
ALTER TABLE plans DROP COLUMN yearly_price;
-- migrate:verify
SELECT max(yearly_price) FROM plans WHERE yearly_price < 0;
