-- A re-runnable migration: every statement guarded (IF NOT EXISTS).
-- Safe: a second run is a no-op; nothing is left half-applied.
-- Source: squawk docs, prefer-robust-stmts
-- expect: none
CREATE TABLE IF NOT EXISTS ip_reputation (
    ip_id bigint PRIMARY KEY REFERENCES smtp_ip_addresses (id),
    score numeric(5, 2) NOT NULL DEFAULT 0
);
ALTER TABLE ip_reputation ADD COLUMN IF NOT EXISTS checked_at timestamptz;
CREATE INDEX IF NOT EXISTS ip_reputation_score_idx ON ip_reputation (score);
