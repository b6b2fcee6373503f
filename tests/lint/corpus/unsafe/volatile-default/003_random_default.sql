-- Adds a column with DEFAULT random() to vps_instances.
-- Unsafe: random() is volatile: full rewrite.
-- Source: squawk docs, adding-field-with-default
-- expect: ban-volatile-default
ALTER TABLE vps_instances ADD COLUMN shard double precision DEFAULT random();
