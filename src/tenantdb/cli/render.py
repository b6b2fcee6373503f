"""Renderers shared by the commands: rich consoles, tables, prose and errors (JSON documents: :mod:`.documents`)."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from tenantdb.cli.documents import emit_json
from tenantdb.errors import ExitCode, TenantdbError

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

WIDTH_OFF_TERMINAL = 140
"""Width of tables in a pipe or a file when COLUMNS is not set: wide, since nothing wraps them afterwards."""
NARROWEST_PROSE = 16
"""A column of words is never squeezed narrower than this (or its longest word): below it, a vertical layout."""


def output_width() -> int:
    """``COLUMNS`` when set (piped too), the terminal's width on a terminal, else :data:`WIDTH_OFF_TERMINAL`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return stdout.width if stdout.is_terminal else WIDTH_OFF_TERMINAL


def prose(text: str) -> None:
    """A line of text wrapped between words at :func:`output_width`; a word longer than the line (a path, a URL,
    a command) stays whole on its own line, where rich would fold it mid-word."""
    width = output_width()
    lines = text.split("\n")
    wrapped = [textwrap.fill(line, width=width, break_long_words=False, break_on_hyphens=False) for line in lines]
    stdout.print("\n".join(wrapped), soft_wrap=True)


def print_table(table: Table) -> None:
    """A table within :func:`output_width`, numbers never cut: columns that hold numbers (right-aligned) or
    names (``no_wrap``) keep their whole width, columns of words wrap between words; when even that does not fit,
    one block of ``column: value`` lines per row."""
    width = output_width()
    console = Console(file=stdout.file, width=width, highlight=False, soft_wrap=False)
    widths = _fit(console, table, width)
    if widths is None:
        _print_vertical(console, table)
        return
    for column, column_width in zip(table.columns, widths, strict=True):
        column.width = column_width
    if isinstance(table.title, str) and table.min_width is None:  # a title wider than its table stays on one line
        table.min_width = min(console.measure(console.render_str(table.title)).maximum, width)
    console.print(table)


def _fit(console: Console, table: Table, width: int) -> list[int] | None:
    """Content widths of the columns that fit ``width``, or None when the narrowest layout is still wider."""
    # rich's own shrinking cuts numbers when it runs out of room; these two (private, stable since rich 10) give the
    # borders and padding, so the columns can be sized here.
    available = width - table._extra_width - sum(table._get_padding_width(i) for i in range(len(table.columns)))
    narrowest: list[int] = []
    widest: list[int] = []
    for column in table.columns:
        cells = [column.header, *column.cells]
        sizes = [Measurement.get(console, console.options, cell) for cell in cells]
        most = max((size.maximum for size in sizes), default=1)
        if column.no_wrap or column.justify == "right":
            least = most
        else:
            longest_word = max((size.minimum for size in sizes), default=1)
            least = max(longest_word, min(most, column.min_width or NARROWEST_PROSE))
        narrowest.append(least)
        widest.append(most)
    if sum(narrowest) > available:
        return None
    widths = list(widest)
    excess = sum(widths) - available
    while excess > 0:  # narrow the widest column of words first, one character at a time
        index = max((i for i, w in enumerate(widths) if w > narrowest[i]), key=lambda i: widths[i])
        widths[index] -= 1
        excess -= 1
    return widths


def _print_vertical(console: Console, table: Table) -> None:
    if table.title:
        console.print(table.title)
    headers = [column.header for column in table.columns]
    rows = zip(*(column.cells for column in table.columns), strict=True)
    for number, row in enumerate(rows):
        block = Table.grid(padding=(0, 1))
        block.add_column(no_wrap=True, style="dim")
        block.add_column()
        for header, cell in zip(headers, row, strict=True):
            if cell != "":
                block.add_row(_label(header), cell)
        if number:
            console.print()
        console.print(block)


def _label(header: RenderableType) -> RenderableType:
    return f"{header}:" if isinstance(header, str) else header


def report_error(error: TenantdbError, *, as_json: bool, name: Callable[[str], str] = str) -> ExitCode:
    """One clear message (and a hint), or a JSON error document; returns the exit code.

    ``name`` spells the request parameters the error names (the command's flags).
    """
    if as_json:
        emit_json({"ok": False, "exit_code": int(error.exit_code), **error.details(name)})
    else:
        message, hint = error.described(name)
        stderr.print(f"[bold red]error:[/] {escape(message)}")
        diff = getattr(error, "diff", "")
        if diff:
            stderr.print(diff, markup=False)
        if hint:
            stderr.print(f"[dim]hint:[/] {escape(hint)}")
    return error.exit_code
