-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS tenants_name_idx ON tenants (name);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS tenants_name_idx;
