"""A thin, typed wrapper over one psycopg 3 connection; the only place queries are sent from.

Every psycopg error leaves this module as a :class:`tenantdb.errors.DatabaseError` carrying the SQLSTATE, so
the layers above never see a driver type.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any, LiteralString

import psycopg
from psycopg import generators, sql
from psycopg.adapt import Transformer
from psycopg.pq import ExecStatus, TransactionStatus

from tenantdb.errors import ConnectionFailed, DatabaseError, LockTimeoutExhausted, StatementFailed

if TYPE_CHECKING:
    from psycopg.pq.abc import PGresult

LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"

_CONNECTION_LOST = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, cannot connect now

Query = LiteralString | sql.SQL | sql.Composed
Params = Sequence[Any] | Mapping[str, Any] | None


def translate(error: psycopg.Error) -> DatabaseError:
    """A tenantdb error with PostgreSQL's message, detail, hint and SQLSTATE."""
    diag = error.diag
    message = diag.message_primary or str(error).strip() or type(error).__name__
    if diag.message_detail:
        message += f" ({diag.message_detail})"
    lost = diag.sqlstate in _CONNECTION_LOST or (diag.sqlstate or "").startswith("08")
    if lost or (isinstance(error, psycopg.OperationalError) and not diag.sqlstate):
        return ConnectionFailed(
            f"lost the connection to the server: {message}",
            sqlstate=diag.sqlstate,
            hint="the outcome of the statement in flight is unknown; run the same command again: "
            "tenantdb re-reads the ledger and journal and resumes",
        )
    return DatabaseError(message, sqlstate=diag.sqlstate, hint=diag.message_hint)


def is_lock_timeout(error: DatabaseError) -> bool:
    return error.sqlstate == LOCK_NOT_AVAILABLE or isinstance(error, LockTimeoutExhausted)


def runner_identity() -> str:
    """``host:pid``, shown to other runners and stored in the ledger."""
    return f"{socket.gethostname()}:{os.getpid()}"


def millis(duration: timedelta) -> str:
    return f"{int(duration.total_seconds() * 1000)}ms"


class Session:
    """One connection to PostgreSQL in autocommit mode; transactions are explicit."""

    def __init__(self, connection: psycopg.Connection[tuple[Any, ...]]) -> None:
        self._connection = connection
        # begin()'s text by (timeouts, asynchronous commit, id of the query to read), with that query kept alive
        self._begins: dict[tuple[timedelta | None, timedelta | None, int], tuple[object, bytes, int]] = {}

    @property
    def pid(self) -> int:
        return int(self._connection.info.backend_pid)

    @property
    def server_version(self) -> int:
        """``server_version_num``, e.g. 180004."""
        return int(self._connection.info.server_version)

    @property
    def database(self) -> str:
        return str(self._connection.info.dbname)

    @property
    def user(self) -> str:
        return str(self._connection.info.user)

    @property
    def in_transaction(self) -> bool:
        """True inside a transaction block (including one a migration file opened with BEGIN)."""
        return self._connection.info.transaction_status in (
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
        )

    @property
    def closed(self) -> bool:
        return self._connection.closed

    def stop_preparing(self) -> None:
        """Send every query unprepared from now on.

        psycopg prepares a query it has run a few times, and drops every prepared statement (one more round trip,
        ``DEALLOCATE ALL``) after a statement that changes the catalog: on a session that runs migrations, preparing
        costs round trips instead of saving them.
        """
        self._connection.prepare_threshold = None

    def execute(self, query: Query, params: Params = None) -> None:
        """Run a statement; a ``str`` without params is sent as written (simple protocol, no ``%`` parsing)."""
        try:
            self._connection.execute(query, params)
        except psycopg.Error as error:
            raise translate(error) from error

    def execute_count(self, query: Query, params: Params = None) -> int:
        """Run a statement and return how many rows it affected."""
        try:
            return int(self._connection.execute(query, params).rowcount)
        except psycopg.Error as error:
            raise translate(error) from error

    def run_script(self, text: str) -> int:
        """Run SQL text taken from a migration file exactly as written; the rows its (last) statement inserted,
        updated or deleted, -1 when it says none."""
        try:
            return self._connection.execute(text.encode("utf-8")).rowcount
        except psycopg.Error as error:
            raise translate(error) from error

    def fetch_all(self, query: Query, params: Params = None) -> list[tuple[Any, ...]]:
        try:
            return self._connection.execute(query, params).fetchall()
        except psycopg.Error as error:
            raise translate(error) from error

    def fetch_script(self, text: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run a query from a file as written; return its column names and rows."""
        try:
            cursor = self._connection.execute(text.encode("utf-8"))
            names = [column.name for column in cursor.description or ()]
            return names, cursor.fetchall() if cursor.description else []
        except psycopg.Error as error:
            raise translate(error) from error

    def fetch_named(self, query: Query, params: Params = None) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Like :meth:`fetch_all`, with the column names (report queries map them onto their models)."""
        try:
            cursor = self._connection.execute(query, params)
            return [column.name for column in cursor.description or ()], cursor.fetchall()
        except psycopg.Error as error:
            raise translate(error) from error

    def fetch_one(self, query: Query, params: Params = None) -> tuple[Any, ...] | None:
        rows = self.fetch_all(query, params)
        return rows[0] if rows else None

    def fetch_value(self, query: Query, params: Params = None) -> Any:
        row = self.fetch_one(query, params)
        return row[0] if row else None

    @contextmanager
    def transaction(
        self, *, lock_timeout: timedelta | None = None, statement_timeout: timedelta | None = None
    ) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK when the block raises; timeouts are local to the transaction."""
        self.begin(lock_timeout=lock_timeout, statement_timeout=statement_timeout)
        try:
            yield
        except BaseException:
            self.rollback()
            raise
        self.execute("COMMIT")

    def begin(
        self,
        *,
        lock_timeout: timedelta | None = None,
        statement_timeout: timedelta | None = None,
        read: LiteralString | sql.Composable | None = None,
        statements: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """BEGIN and set the transaction's timeouts, in one round trip.

        The same round trip may carry a query to ``read`` (without parameters; its rows are returned) and then the
        transaction's first ``statements``, SQL from a migration file run as written. They go as one simple query
        message, which PostgreSQL runs statement by statement, each under its own timeouts, stopping at the first
        error: the error reads exactly as when the statement is sent alone, and is raised here as
        :class:`~tenantdb.errors.StatementFailed` naming the statement, with the transaction open and aborted.
        """
        text, position = self._begin_text(lock_timeout, statement_timeout, read)
        if statements:  # a newline ends a statement's trailing line comment before the separator
            text += b";\n" + b"\n;\n".join(statement.encode("utf-8") for statement in statements)
        results = self._send_script(text)
        first = position + (0 if read is None else 1)  # the results before the statements': BEGIN, timeouts, read
        for index, result in enumerate(results):
            if result.status == ExecStatus.FATAL_ERROR:
                refused = translate(psycopg.errors.error_from_result(result, encoding=self._connection.info.encoding))
                if index < first or isinstance(refused, ConnectionFailed):
                    raise refused
                raise StatementFailed(refused, index - first)
        if read is None:
            return []
        rows = Transformer(self._connection)
        rows.set_pgresult(results[position])
        return rows.load_rows(0, results[position].ntuples, tuple)

    def _send_script(self, text: bytes) -> list[PGresult]:
        """Every result of a simple query message of several statements, up to the first error included
        (a cursor keeps only the error). Ctrl-C cancels the statement running on the server, as for any query."""
        connection = self._connection
        try:
            with connection.lock:
                connection.pgconn.send_query(text)
                return connection.wait(generators.execute(connection.pgconn))
        except psycopg.Error as error:
            raise translate(error) from error

    def _begin_text(
        self,
        lock_timeout: timedelta | None,
        statement_timeout: timedelta | None,
        read: LiteralString | sql.Composable | None,
    ) -> tuple[bytes, int]:
        """The text of :meth:`begin` before its first statement, and the position of ``read`` among its statements;
        composed once per session for each combination (every migration of a run sends the same)."""
        key = (lock_timeout, statement_timeout, id(read))
        known = self._begins.get(key)
        if known is not None and known[0] is read:
            return known[1], known[2]
        parts: list[sql.Composable] = [sql.SQL("BEGIN")]
        if lock_timeout is not None and statement_timeout is not None:
            parts.append(
                sql.SQL(
                    "SELECT set_config('lock_timeout', {}, true), set_config('statement_timeout', {}, true)"
                ).format(sql.Literal(millis(lock_timeout)), sql.Literal(millis(statement_timeout)))
            )
        position = len(parts)
        if read is not None:
            parts.append(sql.SQL(read) if isinstance(read, str) else read)
        text = sql.SQL("; ").join(parts).as_bytes(self._connection)
        self._begins[key] = (read, text, position)
        return text, position

    def fetch_after(
        self, before: Callable[[], None] | None, query: Query, params: Params = None
    ) -> list[tuple[Any, ...]]:
        """Run ``before`` (statements whose results are not read) and then the query, in one round trip; with no
        ``before``, the query alone (:meth:`fetch_all`)."""
        if before is None:
            return self.fetch_all(query, params)
        with self.pipeline():
            before()
            cursor = self._connection.execute(query, params)
        try:
            return cursor.fetchall()
        except psycopg.Error as error:
            raise translate(error) from error

    def fetch_together(self, *queries: Query) -> list[list[tuple[Any, ...]]]:
        """The rows of each query, all sent in one round trip (queries without parameters)."""
        with self.pipeline():
            cursors = [self._connection.execute(query) for query in queries]
        try:
            return [cursor.fetchall() for cursor in cursors]
        except psycopg.Error as error:
            raise translate(error) from error

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send the block's statements together (one round trip); errors surface when the block ends."""
        try:
            with self._connection.pipeline():
                yield
        except psycopg.Error as error:
            raise translate(error) from error

    def rollback(self) -> None:
        """Roll back whatever transaction is open; a dead connection is left for the caller to notice."""
        if self._connection.closed or not self.in_transaction:
            return
        try:
            self._connection.execute("ROLLBACK")
        except psycopg.Error:
            return

    def set_local(self, name: str, value: str) -> None:
        """``set_config(name, value, true)``: lasts until the end of the current transaction."""
        self.execute("SELECT set_config(%s, %s, true)", (name, value))

    def set_session(self, name: str, value: str) -> None:
        """``set_config(name, value, false)``: lasts for the whole session."""
        self.execute("SELECT set_config(%s, %s, false)", (name, value))

    def set_timeouts(self, *, lock_timeout: timedelta, statement_timeout: timedelta, local: bool) -> None:
        """Both timeouts in one statement, for the transaction (``local``) or the session."""
        self.execute(
            "SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
            (millis(lock_timeout), local, millis(statement_timeout), local),
        )

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
