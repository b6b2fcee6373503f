-- Creates btree_gist IF NOT EXISTS in a non-transactional migration.
-- Safe: as above.
-- Source: PostgreSQL docs, btree_gist
-- expect: none
-- tenantdb: no-transaction
CREATE EXTENSION IF NOT EXISTS btree_gist;
