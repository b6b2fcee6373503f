-- tenantdb's own state. Every step is idempotent and the whole file runs again when STATE_VERSION (state.py)
-- grows: new steps are appended at the end.
CREATE SCHEMA IF NOT EXISTS tenantdb;

CREATE TABLE IF NOT EXISTS tenantdb.state_info (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE IF NOT EXISTS tenantdb.applied_migrations (
    source           text        NOT NULL DEFAULT 'project',
    version          text        NOT NULL,
    name             text        NOT NULL,
    checksum         text        NOT NULL,
    content          text        NOT NULL,
    execution_mode   text        NOT NULL,
    applied_by       text        NOT NULL,
    host             text        NOT NULL,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NOT NULL,
    duration_ms      bigint      NOT NULL,
    statements_total integer     NOT NULL,
    statements_done  integer     NOT NULL,
    schema_hash      text,
    PRIMARY KEY (source, version),
    CHECK (statements_done <= statements_total)
);
COMMENT ON TABLE tenantdb.applied_migrations IS
    'One row per applied migration; content is the normalized file, kept to show what changed in an edited file.';

CREATE TABLE IF NOT EXISTS tenantdb.events (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind       text        NOT NULL,
    source     text,
    version    text,
    direction  text,
    runner     text        NOT NULL,
    db_user    text        NOT NULL DEFAULT current_user,
    message    text,
    statement  text,
    sqlstate   text,
    details    jsonb       NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE tenantdb.events IS 'Append-only log of every apply, rollback, retry, resume, repair and failure.';
CREATE INDEX IF NOT EXISTS events_version_idx ON tenantdb.events (source, version, at);

CREATE TABLE IF NOT EXISTS tenantdb.statement_journal (
    source          text        NOT NULL,
    version         text        NOT NULL,
    direction       text        NOT NULL,
    statement_index integer     NOT NULL,
    statement_sha   text        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('started', 'done')),
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (source, version, direction, statement_index)
);
COMMENT ON TABLE tenantdb.statement_journal IS
    'Progress of statement-by-statement migrations, so an interrupted run resumes at the first unfinished one.';

-- Step 2: the archive manifest. Every destroyed table, column or set of rows is copied first.
CREATE TABLE IF NOT EXISTS tenantdb.archive (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text        NOT NULL,
    version        text        NOT NULL,
    direction      text        NOT NULL,
    kind           text        NOT NULL CHECK (kind IN ('table', 'column', 'rows')),
    object_schema  text        NOT NULL,
    object_table   text        NOT NULL,
    object_column  text,
    archive_schema text        NOT NULL,
    archive_table  text        NOT NULL,
    key_columns    text[]      NOT NULL DEFAULT '{}',
    row_count      bigint      NOT NULL,
    digest         text        NOT NULL,
    archived_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    restored_at    timestamptz,
    purged_at      timestamptz,
    statement      text        NOT NULL,
    UNIQUE (archive_schema, archive_table)
);
COMMENT ON TABLE tenantdb.archive IS
    'Manifest of data archived before a migration destroyed it: source object, copy, row count, digest, when.';

-- Step 3: what each migration transaction wrote, so `rollback --level data` can remove exactly a phase's rows,
-- and the rows `rollback --level feature` changed, so turning the feature back on restores them.
CREATE TABLE IF NOT EXISTS tenantdb.migration_writes (
    source       text        NOT NULL,
    version      text        NOT NULL,
    xid          xid8        NOT NULL,
    xids         xid8[]      NOT NULL,
    relid        oid         NOT NULL,
    table_schema text        NOT NULL,
    table_name   text        NOT NULL,
    relfilenode  oid         NOT NULL,
    created      boolean     NOT NULL,
    rewritten    boolean     NOT NULL,
    inserted     bigint      NOT NULL,
    updated      bigint      NOT NULL,
    deleted      bigint      NOT NULL,
    removed      bigint      NOT NULL DEFAULT 0,
    cluster      text        NOT NULL,
    at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (source, version, xid, relid)
);
COMMENT ON TABLE tenantdb.migration_writes IS
    'Per migration transaction and user table: its transaction ids (top level and committed subtransactions), '
    'rows inserted, updated, deleted, and whether it created or rewrote the table; removed counts data rollbacks.';

CREATE TABLE IF NOT EXISTS tenantdb.feature_snapshots (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phase       text        NOT NULL,
    taken_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    restored_at timestamptz,
    statements  text[]      NOT NULL
);
CREATE TABLE IF NOT EXISTS tenantdb.feature_rows (
    snapshot_id  bigint NOT NULL REFERENCES tenantdb.feature_snapshots ON DELETE CASCADE,
    table_schema text   NOT NULL,
    table_name   text   NOT NULL,
    key          jsonb  NOT NULL,
    before       jsonb,
    after        jsonb,
    PRIMARY KEY (snapshot_id, table_schema, table_name, key)
);
COMMENT ON TABLE tenantdb.feature_rows IS
    'Rows a phase''s feature_off changed: before (NULL when it inserted the row) and after (NULL when it deleted it).';

-- Step 4: views and materialized views that DROP ... CASCADE removes are archived too (kind 'dependent': the
-- definition in the archive table's comment, a materialized view's rows in the table; never restored by itself).
ALTER TABLE tenantdb.archive DROP CONSTRAINT IF EXISTS archive_kind_check;
ALTER TABLE tenantdb.archive
    ADD CONSTRAINT archive_kind_check CHECK (kind IN ('table', 'column', 'rows', 'dependent'));

-- Step 5: what each applied migration's statements created and removed (an unqualified name with the search
-- path it was created under), so `migrate verify` can report a ledger claim the database contradicts; a note per applied
-- migration, e.g. that `tenantdb migrate baseline` adopted it from another tool's ledger instead of running it;
-- and a rolled-back migration's writes are kept, marked, so that an archive can tell the rows a migration
-- recreates when it is applied again (restoring them too would duplicate them).
ALTER TABLE tenantdb.applied_migrations ADD COLUMN IF NOT EXISTS catalog_effects jsonb;
COMMENT ON COLUMN tenantdb.applied_migrations.catalog_effects IS
    'The objects the migration''s statements create, remove or rename, in order; an unqualified create carries its search path.';
ALTER TABLE tenantdb.applied_migrations ADD COLUMN IF NOT EXISTS note text;
ALTER TABLE tenantdb.migration_writes ADD COLUMN IF NOT EXISTS rolled_back_at timestamptz;

-- Step 6: the table and index sizes `tenantdb db maintain` measured after its last run, so the next run reports
-- the growth since (one row per relation; an index row names its table, a table row has index_name '').
CREATE TABLE IF NOT EXISTS tenantdb.maintenance_sizes (
    schema_name text        NOT NULL,
    table_name  text        NOT NULL,
    index_name  text        NOT NULL DEFAULT '',
    bytes       bigint      NOT NULL,
    measured_at timestamptz NOT NULL,
    PRIMARY KEY (schema_name, table_name, index_name)
);
COMMENT ON TABLE tenantdb.maintenance_sizes IS
    'Sizes measured at the end of the last `tenantdb db maintain` run, to report growth since; index_name '''' is the table.';
