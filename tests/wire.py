"""Counting what a session sends, on the wire: libpq's protocol trace of a real connection.

A round trip is a simple ``Query`` message, a ``Sync`` (the end of an extended-protocol exchange or of a pipeline)
or a ``Flush`` on its own (a result read in the middle of a pipeline); a statement is one the server completed (a
``CommandComplete`` message: a simple query may carry several)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg.pq import Trace


@dataclass(frozen=True, slots=True)
class Wire:
    """Frontend messages of a traced stretch of a session."""

    statements: int
    round_trips: int

    def per(self, count: int) -> tuple[float, float]:
        return self.statements / count, self.round_trips / count

    def __sub__(self, other: Wire) -> Wire:
        return Wire(self.statements - other.statements, self.round_trips - other.round_trips)


@contextmanager
def traced(connection: Any, path: Path) -> Iterator[list[Wire]]:
    """Trace ``connection`` (a psycopg connection) for the block; the list holds its :class:`Wire` afterwards."""
    found: list[Wire] = []
    with path.open("w") as sink:
        connection.pgconn.trace(sink.fileno())
        connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield found
        finally:
            connection.pgconn.untrace()
    found.append(count(path.read_text().splitlines()))


def count(lines: list[str]) -> Wire:
    kinds = [line.split("\t")[2].split(" ")[0] for line in lines if line[:2] == "F\t"]
    done = sum(line.split("\t")[2].startswith("CommandComplete") for line in lines if line[:2] == "B\t")
    waits = [
        kind
        for previous, kind in zip(["", *kinds], kinds, strict=False)
        if kind in ("Query", "Sync") or (kind == "Flush" and previous != "Sync")
    ]
    return Wire(statements=done, round_trips=len(waits))
