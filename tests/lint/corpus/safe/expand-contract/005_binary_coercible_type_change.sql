-- Changes smtp_ip_addresses.warmup_stage from text to varchar without a length.
-- Safe: text to unconstrained varchar is binary coercible: no rewrite, no scan.
-- Source: squawk docs, changing-column-type; PostgreSQL docs, ALTER TABLE (Notes: binary coercible)
-- expect: none
ALTER TABLE smtp_ip_addresses ALTER COLUMN warmup_stage TYPE varchar;
