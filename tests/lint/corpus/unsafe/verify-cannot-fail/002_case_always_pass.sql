-- A verify block whose CASE says 'PASS' in every branch.
-- Unsafe: the query returns a row whatever the data, with the same constant; it can never tell good from bad.
-- Source: issue 15, reference customer's classes: a CASE that always says PASS
-- expect: verify-cannot-fail
-- migrate:up
ALTER TABLE plans ADD COLUMN trial_days integer NOT NULL DEFAULT 14;
-- migrate:down
ALTER TABLE plans DROP COLUMN trial_days;
-- migrate:verify
SELECT CASE WHEN count(*) > 0 THEN 'PASS' ELSE 'PASS' END FROM plans WHERE trial_days < 0;
