-- Creates an operator table; down drops it.
-- Safe: the table is the migration's own; the runner archives its rows before the down drops it.
-- Source: tenantdb DESIGN, rollbacks that never lose data
-- expect: none
-- migrate:up
CREATE TABLE vps_tags (
    vps_id bigint NOT NULL REFERENCES vps_instances (id),
    tag text NOT NULL,
    PRIMARY KEY (vps_id, tag)
);
-- migrate:down
DROP TABLE vps_tags;
