"""The encrypted columns of a database, found by their names, and the row batches key rotation works through.

An encrypted value is a pair of columns, ``<name>_ciphertext bytea`` and ``<name>_key_id text`` (docs/secrets.md).
Rotation claims a batch of rows whose key id is not the current one with ``FOR UPDATE SKIP LOCKED`` (a row a writer
holds is skipped; a later walk waits for the few skipped rows within the lock_timeout), walking each table in
physical order by ``ctid``; the caller re-encrypts and writes the batch back in the same short transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from tenantdb.db.session import Session

CIPHERTEXT_SUFFIX = "_ciphertext"
KEY_ID_SUFFIX = "_key_id"
FIRST_TID = "(0,0)"

_FIND = """
SELECT n.nspname, c.relname, left(a.attname, -length(%(ciphertext)s))
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = 'bytea'::regtype
  AND right(a.attname, length(%(ciphertext)s)) = %(ciphertext)s
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%'
  AND EXISTS (
      SELECT FROM pg_attribute k
      WHERE k.attrelid = c.oid AND NOT k.attisdropped AND k.atttypid = 'text'::regtype
        AND k.attname = left(a.attname, -length(%(ciphertext)s)) || %(key_id)s
  )
ORDER BY 1, 2, 3
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SealedColumn:
    """One encrypted value of a table: ``<name>_ciphertext`` with ``<name>_key_id``."""

    schema: str
    table: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.table}.{self.name}" if self.schema == "public" else f"{self.schema}.{self.table}.{self.name}"

    def _parts(self) -> tuple[sql.Identifier, sql.Identifier, sql.Identifier]:
        return (
            sql.Identifier(self.schema, self.table),
            sql.Identifier(self.name + CIPHERTEXT_SUFFIX),
            sql.Identifier(self.name + KEY_ID_SUFFIX),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedRow:
    """A row locked for re-encryption: where it is (valid until the transaction ends) and its sealed value."""

    ctid: str
    ciphertext: bytes
    key_id: str


def sealed_columns(session: Session) -> list[SealedColumn]:
    """Every ``<name>_ciphertext`` / ``<name>_key_id`` pair of ordinary tables and partitions, in name order."""
    rows = session.fetch_all(_FIND, {"ciphertext": CIPHERTEXT_SUFFIX, "key_id": KEY_ID_SUFFIX})
    return [SealedColumn(schema=schema, table=table, name=name) for schema, table, name in rows]


def rows_per_key(session: Session, column: SealedColumn) -> list[tuple[str, int]]:
    """How many rows hold a value under each key id."""
    table, _, key_id = column._parts()
    query = sql.SQL("SELECT {k}, count(*) FROM ONLY {t} WHERE {k} IS NOT NULL GROUP BY 1 ORDER BY 1").format(
        k=key_id, t=table
    )
    return [(str(key), int(count)) for key, count in session.fetch_all(query)]


def count_stale(session: Session, column: SealedColumn, current_key_id: str) -> int:
    """Rows whose value is under another key than the current one (locked rows included)."""
    table, _, key_id = column._parts()
    query = sql.SQL("SELECT count(*) FROM ONLY {t} WHERE {k} IS NOT NULL AND {k} <> %s").format(t=table, k=key_id)
    return int(session.fetch_value(query, (current_key_id,)))


def claim_stale(
    session: Session, column: SealedColumn, current_key_id: str, *, after: str, limit: int, wait: bool = False
) -> list[ClaimedRow]:
    """Lock up to ``limit`` rows past ``after`` (a ctid) whose key is not current, skipping rows others hold, or
    with ``wait`` waiting for them (within the transaction's lock_timeout: a row a writer updates all the time is
    never free when looked at, but free again a moment later).

    Call inside a transaction: the locks and the ctids last until it ends.
    """
    table, ciphertext, key_id = column._parts()
    query = sql.SQL(
        "SELECT ctid::text, {c}, {k} FROM ONLY {t} WHERE ctid > %s::tid AND {k} IS NOT NULL AND {k} <> %s"
        " LIMIT %s FOR UPDATE{skip}"
    ).format(c=ciphertext, k=key_id, t=table, skip=sql.SQL("" if wait else " SKIP LOCKED"))
    rows = session.fetch_all(query, (after, current_key_id, limit))
    return [ClaimedRow(ctid=ctid, ciphertext=bytes(value), key_id=str(key)) for ctid, value, key in rows]


def write_sealed(session: Session, column: SealedColumn, key_id: str, values: list[tuple[str, bytes]]) -> None:
    """Store re-encrypted values (ctid, ciphertext) under ``key_id``, in one round trip."""
    table, ciphertext, key_id_column = column._parts()
    query = sql.SQL("UPDATE ONLY {t} SET {c} = %s, {k} = %s WHERE ctid = %s::tid").format(
        t=table, c=ciphertext, k=key_id_column
    )
    with session.pipeline():
        for ctid, value in values:
            session.execute(query, (value, key_id, ctid))


def tid_order(ctid: str) -> tuple[int, int]:
    """``(block, offset)`` of a ctid's text form ``(12,5)``."""
    block, _, offset = ctid.strip("()").partition(",")
    return int(block), int(offset)
