-- Creates a table with a char(2) column.
-- Unsafe: char(n) pads with spaces and compares with trailing blanks ignored; it is never faster than text.
-- Source: squawk docs, ban-char-field; PostgreSQL wiki, Don't Do This
-- expect: ban-char-type
CREATE TABLE countries (
    code char(2) PRIMARY KEY,
    name text NOT NULL
);
