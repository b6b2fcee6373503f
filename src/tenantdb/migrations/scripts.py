"""Turn file text into scripts: decoding, placeholders, directives and statement splitting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from tenantdb.config import PlaceholderSettings, parse_duration
from tenantdb.errors import ConfigError, MigrationFileError
from tenantdb.migrations.model import Script
from tenantdb.sql import (
    Comment,
    SqlSyntaxError,
    Statement,
    line_comments,
    line_of,
    replace_placeholders,
    split_statements,
)

DIRECTIVE_PREFIX = "tenantdb:"


def read_text(path: Path) -> str:
    """The file's text; a file that is not UTF-8 is refused with the line of the first bad byte."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise MigrationFileError(
            f"not valid UTF-8 (byte 0x{data[error.start]:02x})",
            path=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def apply_placeholders(path: Path, text: str, settings: PlaceholderSettings | None) -> str:
    """Replace ``${name}`` placeholders; an undefined one is an error naming its line."""
    if settings is None or settings.prefix not in text:
        return text
    replaced, missing = replace_placeholders(text, settings.values, prefix=settings.prefix, suffix=settings.suffix)
    if missing:
        first = missing[0]
        raise MigrationFileError(
            f"placeholder {settings.prefix}{first.name}{settings.suffix} has no value",
            path=path,
            line=line_of(text, first.offset),
            remedy="sets",
            hint=f"{first.name}=VALUE, or define it in [placeholders.values] of tenantdb.toml",
        )
    return replaced


def build_script(
    path: Path,
    source: str,
    start: int = 0,
    end: int | None = None,
    *,
    cuts: tuple[int, ...] = (),
    no_transaction: bool = False,
) -> Script:
    """Split ``source[start:end]`` into a script; a syntax error names the file and line.

    ``cuts`` are offsets where a statement must end even without a semicolon (goose's StatementEnd).
    """
    end = len(source) if end is None else end
    bounds = [start, *sorted(cut for cut in cuts if start < cut < end), end]
    statements: list[Statement] = []
    try:
        for low, high in pairwise(bounds):
            statements.extend(split_statements(source, low, high))
    except SqlSyntaxError as error:
        raise MigrationFileError(_syntax_error(error.message), path=path, line=error.line) from None
    return Script(path=path, source=source, statements=tuple(statements), no_transaction=no_transaction)


def _syntax_error(message: str) -> str:
    """PostgreSQL's message, said once: ``syntax error at or near "SELEC"``, not ``syntax error: syntax error ...``."""
    return message if message.startswith("syntax error") else f"syntax error: {message}"


def scan_comments(path: Path, source: str, *, starting: tuple[str, ...] = ()) -> tuple[Comment, ...]:
    """Line comments of a file; a lexical error (unterminated quote) names the file and line.

    ``starting``: only the comments whose text starts with one of these. When none of them occurs anywhere in the
    file, no comment can start with one and the scan is skipped (a tenth of the load time of a plain file); a
    lexical error is then reported, in the same words and line, when the statements are parsed.
    """
    if starting and not any(prefix in source for prefix in starting):
        return ()
    try:
        comments = line_comments(source)
    except SqlSyntaxError as error:
        raise MigrationFileError(_syntax_error(error.message), path=path, line=error.line) from None
    return tuple(c for c in comments if c.text.startswith(starting)) if starting else comments


@dataclass(frozen=True, slots=True, kw_only=True)
class Directives:
    """What ``-- tenantdb: ...`` comments ask of a file."""

    no_transaction: bool = False
    lock_timeout: timedelta | None = None
    statement_timeout: timedelta | None = None
    ignores: tuple[tuple[int, str], ...] = field(default=())  # (line, rule id), read by the linter


KNOWN_DIRECTIVES = (
    "no-transaction",
    "lock-timeout <duration>",
    "statement-timeout <duration>",
    "ignore[rule-id]",
)


def read_directives(path: Path, comments: tuple[Comment, ...]) -> Directives:
    """Collect ``-- tenantdb:`` directives; an unknown one is an error naming its line."""
    no_transaction = False
    timeouts: dict[str, timedelta] = {}
    ignores: list[tuple[int, str]] = []
    for comment in comments:
        if not comment.text.startswith(DIRECTIVE_PREFIX):
            continue
        body = comment.text[len(DIRECTIVE_PREFIX) :].strip()
        word, _, argument = body.partition(" ")
        if word == "no-transaction" and not argument.strip():
            no_transaction = True
        elif word in ("lock-timeout", "statement-timeout") and argument.strip():
            try:
                timeouts[word] = parse_duration(argument.strip(), key=word)
            except ConfigError as error:
                raise MigrationFileError(error.message, path=path, line=comment.line, hint=error.hint) from None
        elif word.startswith("ignore[") and word.endswith("]") and len(word) > len("ignore[]"):
            ignores.append((comment.line, word[len("ignore[") : -1]))
        else:
            raise MigrationFileError(
                f"unknown directive '-- {comment.text}'",
                path=path,
                line=comment.line,
                hint="known directives: " + ", ".join(KNOWN_DIRECTIVES),
            )
    return Directives(
        no_transaction=no_transaction,
        lock_timeout=timeouts.get("lock-timeout"),
        statement_timeout=timeouts.get("statement-timeout"),
        ignores=tuple(ignores),
    )
