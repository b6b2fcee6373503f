-- Changes smtp_ip_addresses.warmup_stage from text to varchar(20).
-- Unsafe: not binary coercible to a shorter limit: every row is checked under ACCESS EXCLUSIVE.
-- Source: squawk docs, changing-column-type
-- expect: ban-column-type-change
ALTER TABLE smtp_ip_addresses ALTER COLUMN warmup_stage TYPE varchar(20);
