"""The runner reads a transaction's row counts with ``pg_stat_xact_user_tables``' own functions (the view costs four
times as much): the figures must be the view's, table for table, on every supported PostgreSQL."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.db.migration_writes import TABLE_FILES, USER_SCHEMA, table_starts, transaction_writes
from tenantdb.migrations import Version

THE_VIEW = (
    "SELECT c.oid, c.relfilenode, coalesce(s.n_tup_ins, 0), coalesce(s.n_tup_upd, 0), coalesce(s.n_tup_del, 0)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    f" LEFT JOIN pg_stat_xact_user_tables s ON s.relid = c.oid WHERE c.relkind = 'r' AND {USER_SCHEMA}"
)


@pytest.mark.usefixtures("pg_server")
def test_row_counts_are_the_views(session: Session) -> None:
    session.execute("CREATE TABLE kept (id int PRIMARY KEY, note text)")
    session.execute("CREATE TABLE touched (id int)")
    session.execute("CREATE SCHEMA app")
    session.execute("CREATE TABLE app.elsewhere (id int)")
    session.execute("CREATE TABLE parted (id int) PARTITION BY RANGE (id)")
    session.execute("CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (100)")
    session.execute("INSERT INTO kept SELECT g, 'x' FROM generate_series(1, 20) g")  # an earlier, committed write
    session.execute("BEGIN")
    before = table_starts(session.fetch_all(TABLE_FILES))
    assert before == table_starts(session.fetch_all(THE_VIEW))
    session.execute("INSERT INTO touched SELECT generate_series(1, 7)")
    session.execute("UPDATE kept SET note = 'y' WHERE id <= 3")
    session.execute("DELETE FROM kept WHERE id > 18")
    session.execute("INSERT INTO app.elsewhere VALUES (1), (2)")
    session.execute("INSERT INTO parted VALUES (5)")
    session.execute("CREATE TABLE made_here AS SELECT generate_series(1, 4) AS id")
    assert table_starts(session.fetch_all(TABLE_FILES)) == table_starts(session.fetch_all(THE_VIEW))
    pending = transaction_writes(session, "project", Version.parse("1"), before)
    written = {f"{write.table_schema}.{write.table_name}": write for write in pending}
    session.rollback()
    assert sorted(written) == [
        "app.elsewhere",
        "public.kept",
        "public.made_here",
        "public.parted_low",
        "public.touched",
    ]
    assert (written["public.touched"].inserted, written["public.touched"].created) == (7, False)
    assert (written["public.kept"].updated, written["public.kept"].deleted) == (3, 2)
    assert written["public.made_here"].created
    assert written["public.parted_low"].inserted == 1
