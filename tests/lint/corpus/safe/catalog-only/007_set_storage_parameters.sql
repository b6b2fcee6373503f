-- ALTER TABLE ... SET (autovacuum parameters).
-- Safe: storage parameters for autovacuum take SHARE UPDATE EXCLUSIVE and rewrite nothing.
-- Source: PostgreSQL docs, ALTER TABLE SET (storage_parameter)
-- expect: none
ALTER TABLE audit_logs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01);
