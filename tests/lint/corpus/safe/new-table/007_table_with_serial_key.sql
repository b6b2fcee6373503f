-- Creates a table with a serial primary key.
-- Safe: serial on a new, empty table rewrites nothing; identity is a style preference here.
-- Source: squawk docs, prefer-identity (an opinion)
-- expect: none
CREATE TABLE dns_providers (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
