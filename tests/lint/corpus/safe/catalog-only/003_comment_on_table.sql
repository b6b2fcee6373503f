-- COMMENT ON TABLE and COLUMN.
-- Safe: catalog-only.
-- Source: PostgreSQL docs, COMMENT
-- expect: none
COMMENT ON TABLE vps_instances IS 'Sending servers owned by the platform operator';
COMMENT ON COLUMN vps_instances.monthly_cost IS 'Provider list price, EUR';
