-- Loads a new table and deletes its invalid rows with a WHERE.
-- Safe: only rows this migration inserted are deleted.
-- Source: PostgreSQL docs, DELETE
-- expect: none
CREATE TABLE mx_hosts (
    hostname text PRIMARY KEY,
    region text
);
INSERT INTO mx_hosts SELECT hostname, region FROM vps_instances;
DELETE FROM mx_hosts WHERE region IS NULL;
