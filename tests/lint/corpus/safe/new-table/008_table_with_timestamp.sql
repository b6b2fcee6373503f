-- Creates a table with a timestamp (without time zone) column for a local business date-time.
-- Safe: a deliberate wall-clock time on a new table; a style choice.
-- Source: squawk docs, prefer-timestamptz (an opinion)
-- expect: none
CREATE TABLE maintenance_windows (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region text NOT NULL,
    local_start timestamp NOT NULL,
    local_end timestamp NOT NULL
);
