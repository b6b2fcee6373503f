"""The console script's entry: the command line loaded with the cyclic garbage collector paused.

Loading a command builds thousands of long-lived objects (classes, dataclasses, enums, typer's parameters), and
the collector's passes over them while they load find nothing to free: 4% of ``tenantdb lint``'s start-up on one
file. It is paused while modules load (here, and when :class:`tenantdb.cli.lazy.LazyGroup` loads a command) and
runs as usual while the command works.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector off inside the block, back to how it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def main() -> None:
    """Console-script entry point: :func:`tenantdb.cli.app.main`, loaded with the collector paused."""
    with collector_paused():
        from tenantdb.cli.app import main as run_command_line
    run_command_line()
