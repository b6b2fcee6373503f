"""Single-file migrations whose sections are marked by comments: native/dbmate and goose.

Native (and dbmate)::

    -- tenantdb: no-transaction
    -- migrate:up            (dbmate's ``transaction:false`` option is honoured)
    ...
    -- migrate:down
    ...
    -- migrate:verify        (tenantdb only: every returned row is a violation)
    ...

goose: ``-- +goose Up``, ``-- +goose Down``, ``-- +goose NO TRANSACTION``; ``StatementBegin``/``End`` are
accepted and not needed, because statements are split by PostgreSQL's parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tenantdb.errors import MigrationFileError
from tenantdb.migrations.model import Script, ScriptProblem
from tenantdb.migrations.scripts import DIRECTIVE_PREFIX, Directives, build_script, read_directives, scan_comments
from tenantdb.sql import Comment, is_blank
from tenantdb.sql.statements import SqlSyntaxError

SECTIONS = ("up", "down", "verify")


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    section: str
    comment: Comment
    no_transaction: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkedFile:
    """The scripts of one marked file."""

    up: Script
    down: Script | None
    verify: Script | None
    directives: Directives
    down_problem: ScriptProblem | None = None


def parse_native(path: Path, source: str) -> MarkedFile:
    """Parse a native or dbmate file."""
    found = _marked_by_lines(path, source)
    if found is not None:
        return found
    comments = scan_comments(path, source)
    markers = [_native_marker(path, c) for c in comments if c.starts_line and c.text.startswith("migrate:")]
    if not any(marker.section == "up" for marker in markers):
        raise MigrationFileError(
            "no '-- migrate:up' marker",
            path=path,
            hint="start the forward SQL with a line '-- migrate:up' (and the reverse with '-- migrate:down')",
        )
    return _split_sections(path, source, markers, read_directives(path, comments))


def _marked_by_lines(path: Path, source: str) -> MarkedFile | None:
    """The file's sections from the lines that start with ``-- migrate:``, when every section then parses; else None
    (the scanner decides, and reports any error).

    Tokenizing a whole file to find its comments costs about as much as parsing it. A line that only looks like a
    marker (inside a string, a dollar quote, a quoted identifier or a block comment) cuts the section before it in
    the middle of that literal, which then cannot parse: so sections that all parse were cut at real comments, and
    the result is the scanner's. A file with ``-- tenantdb:`` directives goes to the scanner, which reads them too.
    """
    if DIRECTIVE_PREFIX in source:
        return None
    try:
        markers = [_native_marker(path, comment) for comment in _comment_lines(source, "migrate:")]
        if not any(marker.section == "up" for marker in markers):
            return None
        result = _split_sections(path, source, markers, Directives())
    except (MigrationFileError, SqlSyntaxError):
        return None
    return result if result.down_problem is None else None


def _comment_lines(source: str, prefix: str, *, any_case: bool = False) -> list[Comment]:
    """The lines that start with a ``--`` comment whose text starts with ``prefix`` (``any_case``: in any case), as
    the scanner would give them if they are comments."""
    found = []
    start = 0
    for number, line in enumerate(source.split("\n"), start=1):
        text = line.lstrip()
        body = text[2:].lstrip()
        if text.startswith("--") and (body.lower() if any_case else body).startswith(prefix):
            end = start + len(line)
            found.append(Comment(text=text[2:].strip(), start=end - len(text), end=end, line=number, starts_line=True))
        start += len(line) + 1
    return found


def _native_marker(path: Path, comment: Comment) -> Marker:
    words = comment.text.removeprefix("migrate:").split()
    section, options = (words[0], words[1:]) if words else ("", [])
    if section not in SECTIONS:
        raise MigrationFileError(
            f"unknown section marker '-- {comment.text}'",
            path=path,
            line=comment.line,
            hint="sections are '-- migrate:up', '-- migrate:down' and '-- migrate:verify'",
        )
    no_transaction = False
    for option in options:
        if option == "transaction:false":
            no_transaction = True
        elif option != "transaction:true":
            raise MigrationFileError(
                f"unknown option '{option}' on section marker",
                path=path,
                line=comment.line,
                hint="the only option is 'transaction:false'",
            )
    return Marker(section=section, comment=comment, no_transaction=no_transaction)


def parse_goose(path: Path, source: str) -> MarkedFile:
    """Parse a goose file; a file with nothing but comments is an empty migration, as goose treats it. The
    annotations are first looked for on lines alone, as :func:`_marked_by_lines` explains; the scanner decides when
    the sections do not parse that way."""
    lines = _comment_lines(source, "+goose", any_case=True)  # goose reads its annotations in any case
    if not any(" ".join(line.text.lower().split()) == "+goose no transaction" for line in lines):
        try:  # (NO TRANSACTION cuts nothing: one that only looks like it is told by the scanner alone)
            return _parse_goose(path, source, lines)
        except (MigrationFileError, SqlSyntaxError):
            pass
    return _parse_goose(path, source, scan_comments(path, source))


def _parse_goose(path: Path, source: str, comments: Sequence[Comment]) -> MarkedFile:
    markers: list[Marker] = []
    cuts: list[int] = []
    no_transaction = False
    for comment in comments:
        if not (comment.starts_line and comment.text.lower().startswith("+goose")):
            continue
        command = " ".join(comment.text[len("+goose") :].split()).lower()  # goose compares case-insensitively
        if command in ("up", "down"):
            markers.append(Marker(section=command, comment=comment, no_transaction=False))
        elif command == "no transaction":
            no_transaction = True
        elif command in ("statementbegin", "statementend"):
            cuts.append(comment.start if command == "statementbegin" else comment.end)
        else:
            raise MigrationFileError(
                f"unsupported goose annotation '-- {comment.text}'",
                path=path,
                line=comment.line,
                hint="tenantdb reads Up, Down, NO TRANSACTION, StatementBegin and StatementEnd",
            )
    if not any(marker.section == "up" for marker in markers):
        if is_blank(source):
            empty = build_script(path, "")
            return MarkedFile(up=empty, down=empty, verify=None, directives=Directives())
        raise MigrationFileError("no '-- +goose Up' annotation", path=path)
    marked = _split_sections(path, source, markers, Directives(no_transaction=no_transaction), tuple(cuts))
    if marked.down is None:  # goose runs a missing Down section as a no-op
        return replace(marked, down=build_script(path, ""))
    return marked


def _split_sections(
    path: Path, source: str, markers: list[Marker], directives: Directives, cuts: tuple[int, ...] = ()
) -> MarkedFile:
    seen: dict[str, Marker] = {}
    for marker in markers:
        if marker.section in seen:
            raise MigrationFileError(
                f"section '{marker.section}' appears twice (first on line {seen[marker.section].comment.line})",
                path=path,
                line=marker.comment.line,
            )
        seen[marker.section] = marker
    first = markers[0].comment
    if not is_blank(source[: first.start]):
        raise MigrationFileError("SQL before the first section marker", path=path, line=1)
    scripts: dict[str, Script] = {}
    for index, marker in enumerate(markers):
        end = markers[index + 1].comment.start if index + 1 < len(markers) else len(source)
        scripts[marker.section] = build_script(
            path,
            source,
            marker.comment.end,
            end,
            cuts=cuts,
            no_transaction=directives.no_transaction or marker.no_transaction,
        )
    return MarkedFile(
        up=scripts["up"],
        down=scripts.get("down"),
        verify=scripts.get("verify"),
        directives=directives,
    )
