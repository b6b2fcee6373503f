-- Creates a table, then adds a CHECK, a UNIQUE and a foreign key to it with ALTER TABLE.
-- Safe: the table was created in this migration: nothing to scan, nobody waiting.
-- Source: squawk docs, constraint-missing-not-valid (new tables are fine)
-- expect: none
CREATE TABLE ip_pools (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    vps_id bigint NOT NULL
);
ALTER TABLE ip_pools ADD CONSTRAINT ip_pools_name_key UNIQUE (name);
ALTER TABLE ip_pools ADD CONSTRAINT ip_pools_name_check CHECK (name <> '');
ALTER TABLE ip_pools ADD CONSTRAINT ip_pools_vps_fk FOREIGN KEY (vps_id) REFERENCES vps_instances (id);
ALTER TABLE ip_pools ALTER COLUMN name SET DEFAULT 'default';
