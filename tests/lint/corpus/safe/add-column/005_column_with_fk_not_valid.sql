-- Adds a nullable column and its foreign key NOT VALID.
-- Safe: the column is catalog-only; the foreign key skips the scan.
-- Source: strong_migrations README, dangerous operations, adding a reference
-- expect: none
ALTER TABLE smtp_ip_addresses ADD COLUMN backup_vps_id bigint;
ALTER TABLE smtp_ip_addresses ADD CONSTRAINT smtp_ip_backup_vps_fk FOREIGN KEY (backup_vps_id) REFERENCES vps_instances (id) NOT VALID;
