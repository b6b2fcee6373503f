-- Renames smtp_ip_addresses.warmup_stage with ALTER TABLE IF EXISTS.
-- Unsafe: IF EXISTS guards the table, not the callers: code that reads warmup_stage breaks the same way.
-- Source: squawk docs, renaming-column
-- expect: ban-rename-column
ALTER TABLE IF EXISTS smtp_ip_addresses RENAME COLUMN warmup_stage TO warmup_phase;
