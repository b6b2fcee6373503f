-- Creates a table with varchar(n) columns.
-- Safe: varchar(n) is a style opinion, not a hazard, on a new table.
-- Source: issue 15 (noise: prefer-text-over-varchar)
-- expect: none
CREATE TABLE email_templates (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug varchar(64) NOT NULL UNIQUE,
    subject varchar(200) NOT NULL,
    body text NOT NULL
);
