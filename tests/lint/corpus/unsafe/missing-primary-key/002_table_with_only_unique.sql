-- Creates a table with a UNIQUE constraint but no primary key.
-- Unsafe: a UNIQUE column can hold NULLs, so it is not a row identity; replication still has no key.
-- Source: PostgreSQL docs, Constraints (Primary Keys)
-- expect: require-primary-key
CREATE TABLE vps_regions (
    code text UNIQUE,
    display_name text NOT NULL
);
