-- tenantdb's own state. Step 1 of the state schema; later steps are appended in state.py.
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
