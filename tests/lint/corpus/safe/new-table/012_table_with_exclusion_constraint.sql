-- Creates a table with an EXCLUDE constraint inline.
-- Safe: an exclusion constraint on a new, empty table builds an empty index.
-- Source: strong_migrations README, dangerous operations, adding an exclusion constraint (fine on a new table);
--   PostgreSQL docs, Exclusion Constraints
-- expect: none
CREATE TABLE ip_leases (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    address inet NOT NULL,
    lease tstzrange NOT NULL,
    EXCLUDE USING gist (lease WITH &&)
);
