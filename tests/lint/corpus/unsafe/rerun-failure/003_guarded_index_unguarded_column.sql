-- Creates an index IF NOT EXISTS on a new column added without IF NOT EXISTS.
-- Unsafe: the author meant it to be re-runnable; ADD COLUMN fails the second time.
-- Source: issue 15, reference customer's classes: re-run failures
-- expect: require-consistent-rerun-guards
CREATE TABLE IF NOT EXISTS vps_health (
    vps_id bigint PRIMARY KEY REFERENCES vps_instances (id),
    checked_at timestamptz NOT NULL
);
ALTER TABLE vps_health ADD COLUMN status text;
CREATE INDEX IF NOT EXISTS vps_health_status_idx ON vps_health (status);
