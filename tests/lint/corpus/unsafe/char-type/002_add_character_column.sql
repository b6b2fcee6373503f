-- Adds a character(10) column to an existing table.
-- Unsafe: space padding leaks into comparisons with varchar/text and into the application.
-- Source: squawk docs, ban-char-field
-- expect: ban-char-type
ALTER TABLE vps_instances ADD COLUMN rack character(10);
