-- Creates a table with integer columns and an integer key.
-- Safe: a small lookup table will never exceed 2^31 rows; integer is a choice, not a hazard.
-- Source: issue 15 (noise: prefer-bigint-over-int)
-- expect: none
CREATE TABLE bounce_codes (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    smtp_code integer NOT NULL,
    description text NOT NULL,
    retry_after_minutes integer
);
