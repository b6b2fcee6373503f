-- Creates a small shared reference table (no tenant column) with a primary key.
-- Safe: shared catalogs need no tenant policy.
-- Source: PostgreSQL docs, CREATE TABLE
-- expect: none
CREATE TABLE currencies (
    code text PRIMARY KEY,
    name text NOT NULL,
    decimals smallint NOT NULL DEFAULT 2
);
