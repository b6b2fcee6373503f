-- Creates a table IF NOT EXISTS, then adds a constraint without a guard.
-- Unsafe: the file is written to be re-run, but on the re-run ADD CONSTRAINT fails (already exists) and the file
--   stops half-applied.
-- Source: issue 15, reference customer's classes: re-run failures; squawk docs, prefer-robust-stmts
-- expect: require-consistent-rerun-guards
CREATE TABLE IF NOT EXISTS invoices (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vps_id bigint NOT NULL,
    amount numeric(12, 2) NOT NULL
);
ALTER TABLE invoices ADD CONSTRAINT invoices_vps_fk FOREIGN KEY (vps_id) REFERENCES vps_instances (id);
