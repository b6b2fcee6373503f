-- Creates an operator-owned infrastructure table referencing vps_instances.
-- Safe: no tenant rows; a new table with a primary key.
-- Source: PostgreSQL docs, CREATE TABLE
-- expect: none
CREATE TABLE vps_invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vps_id bigint NOT NULL REFERENCES vps_instances (id),
    period daterange NOT NULL,
    amount numeric(12, 2) NOT NULL
);
