"""A pglast node printed back as SQL, for messages and rewritten statements.

pglast's printers take milliseconds to import and most runs print nothing (a lint of one clean file, a migration
that is not rewritten), so they are imported on the first print.
"""

from __future__ import annotations

from pglast import ast


def deparse(node: ast.Node) -> str:
    """``node`` as SQL text (pglast's ``RawStream``: one line, keywords upper case)."""
    from pglast.stream import RawStream  # on first use: see the module docstring

    return str(RawStream()(node))
