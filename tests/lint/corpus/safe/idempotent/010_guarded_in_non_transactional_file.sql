-- A non-transactional file whose statements are all guarded, with a concurrent index.
-- Safe: every statement is re-runnable, so a rerun after an interruption converges.
-- Source: squawk docs, prefer-robust-stmts
-- expect: none
-- tenantdb: no-transaction
ALTER TABLE vps_instances ADD COLUMN IF NOT EXISTS datacenter text;
CREATE INDEX CONCURRENTLY IF NOT EXISTS vps_instances_datacenter_idx ON vps_instances (datacenter);
