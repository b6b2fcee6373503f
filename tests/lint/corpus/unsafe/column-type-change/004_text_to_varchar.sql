-- Changes smtp_ip_addresses.warmup_stage from text to varchar(20).
-- Unsafe: a length-limiting cast is not binary coercible: the table is rewritten under ACCESS EXCLUSIVE (and a
--   longer value makes it fail).
-- Source: squawk docs, changing-column-type
-- expect: ban-column-type-change
ALTER TABLE smtp_ip_addresses ALTER COLUMN warmup_stage TYPE varchar(20);
