"""Find SQL comments with PostgreSQL's scanner, so markers inside strings or dollar quotes never count."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pglast import parser

from tenantdb.sql.statements import SqlSyntaxError, line_of


@dataclass(frozen=True, slots=True, kw_only=True)
class Comment:
    """A comment: its text without the delimiters, where it starts and ends, and its (first) line."""

    text: str
    start: int
    end: int  # offset just past the comment (the newline is not included)
    line: int
    starts_line: bool  # nothing but white space before it on its line


@lru_cache(maxsize=64)
def line_comments(source: str) -> tuple[Comment, ...]:
    """Every ``--`` comment of ``source``, in order (cached: loading and linting ask for the same file)."""
    if "--" not in source:
        return ()
    return _comments(source, frozenset({"SQL_COMMENT"}))


@lru_cache(maxsize=64)
def all_comments(source: str) -> tuple[Comment, ...]:
    """Every ``--`` and ``/* ... */`` comment of ``source``, in order; a block comment's text is what lies between
    its delimiters."""
    if "--" not in source and "/*" not in source:
        return ()
    return _comments(source, frozenset({"SQL_COMMENT", "C_COMMENT"}))


def _comments(source: str, kinds: frozenset[str]) -> tuple[Comment, ...]:
    try:
        tokens = parser.scan(source)
    except parser.ParseError as error:
        index = int(error.args[1]) if len(error.args) > 1 else 0
        raise SqlSyntaxError(str(error.args[0]), offset=index, line=line_of(source, index)) from None
    comments = []
    for token in tokens:
        if token.name not in kinds:
            continue
        start, end = token.start, token.end + 1
        line_start = source.rfind("\n", 0, start) + 1
        text = source[start + 2 : end - 2] if token.name == "C_COMMENT" else source[start + 2 : end]
        comments.append(
            Comment(
                text=text.strip(),
                start=start,
                end=end,
                line=line_of(source, start),
                starts_line=not source[line_start:start].strip(),
            )
        )
    return tuple(comments)


def is_blank(source: str) -> bool:
    """True when ``source`` holds no statement: only white space and comments."""
    try:
        tokens = parser.scan(source)
    except parser.ParseError:
        return False
    return all(token.name in {"SQL_COMMENT", "C_COMMENT"} for token in tokens)
