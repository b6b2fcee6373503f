-- Adds a column IF NOT EXISTS, then creates a view without OR REPLACE.
-- Unsafe: the second run fails on CREATE VIEW (relation already exists).
-- Source: issue 15, reference customer's classes: re-run failures
-- expect: require-consistent-rerun-guards
ALTER TABLE vps_instances ADD COLUMN IF NOT EXISTS retired_at timestamptz;
CREATE VIEW live_vps_instances AS SELECT id, hostname, region FROM vps_instances WHERE retired_at IS NULL;
