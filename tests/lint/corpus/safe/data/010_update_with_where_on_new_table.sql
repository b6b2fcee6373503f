-- Creates a table, inserts defaults, then updates some rows with WHERE.
-- Safe: the table and its rows are this migration's own.
-- Source: PostgreSQL docs, UPDATE
-- expect: none
CREATE TABLE region_labels (
    region text PRIMARY KEY,
    label text NOT NULL
);
INSERT INTO region_labels SELECT DISTINCT region, region FROM vps_instances;
UPDATE region_labels SET label = 'Europe' WHERE region = 'eu';
