-- Creates a table, then adds an EXCLUDE constraint to it with ALTER TABLE.
-- Safe: the table is empty and new: the index build is instant.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint (new tables are fine)
-- expect: none
CREATE TABLE ip_reservations (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ip_id bigint NOT NULL REFERENCES smtp_ip_addresses (id),
    during tstzrange NOT NULL
);
ALTER TABLE ip_reservations ADD CONSTRAINT ip_reservations_no_overlap EXCLUDE USING gist (during WITH &&);
