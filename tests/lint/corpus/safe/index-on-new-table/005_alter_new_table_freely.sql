-- Creates a table, then changes a column type, sets NOT NULL and renames a column of it.
-- Safe: all on a table created in the same migration: no readers, no data.
-- Source: squawk docs, changing-column-type / renaming-column (new tables are fine)
-- expect: none
CREATE TABLE warmup_schedules (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip_id bigint REFERENCES smtp_ip_addresses (id),
    day_number integer,
    max_volume integer
);
ALTER TABLE warmup_schedules ALTER COLUMN max_volume TYPE bigint;
ALTER TABLE warmup_schedules ALTER COLUMN day_number SET NOT NULL;
ALTER TABLE warmup_schedules RENAME COLUMN max_volume TO daily_limit;
