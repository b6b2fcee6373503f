-- ALTER TABLE vps_instances RENAME region TO zone (the COLUMN keyword is optional).
-- Unsafe: the same rename of a column running code reads, written the short way.
-- Source: PostgreSQL docs, ALTER TABLE RENAME [ COLUMN ]
-- expect: ban-rename-column
ALTER TABLE vps_instances RENAME region TO zone;
