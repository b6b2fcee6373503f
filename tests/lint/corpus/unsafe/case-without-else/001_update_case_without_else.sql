-- Backfills a label with CASE and no ELSE.
-- Unsafe: rows matching no branch get NULL silently.
-- Source: issue 15, reference customer's classes: a CASE without ELSE where NULL falls through; PostgreSQL docs,
--   Conditional Expressions
-- expect: ban-case-without-else
UPDATE smtp_ip_addresses
   SET warmup_stage = CASE WHEN id % 3 = 0 THEN 'cold' WHEN id % 3 = 1 THEN 'warming' END
 WHERE warmup_stage IS NULL;
