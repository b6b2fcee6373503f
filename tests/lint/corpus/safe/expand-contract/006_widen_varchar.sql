-- Widens the varchar(200) subject of a table created earlier in this file to varchar(500).
-- Safe: increasing a varchar limit is catalog-only.
-- Source: squawk docs, changing-column-type (increasing varchar size is safe)
-- expect: none
CREATE TABLE campaign_drafts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject varchar(200) NOT NULL
);
ALTER TABLE campaign_drafts ALTER COLUMN subject TYPE varchar(500);
