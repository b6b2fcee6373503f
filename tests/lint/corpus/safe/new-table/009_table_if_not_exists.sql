-- Creates a reference table IF NOT EXISTS.
-- Safe: re-runnable and locks nothing existing.
-- Source: squawk docs, prefer-robust-stmts
-- expect: none
CREATE TABLE IF NOT EXISTS feature_flags (
    key text PRIMARY KEY,
    enabled boolean NOT NULL DEFAULT false,
    description text
);
