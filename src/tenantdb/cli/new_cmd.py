"""``tenantdb new``: create the next migration file(s) in the directory's layout."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.documents import emit_json
from tenantdb.cli.options import Common, Shared, shared


@shared(Shared.PROJECT, Shared.DIR, Shared.JSON)
def new(
    name: Annotated[str, typer.Argument(help="What the migration does, e.g. 'add cost columns'.")], *, common: Common
) -> None:
    """Create the next migration file(s) in the directory's layout."""
    common.run(
        lambda: commands.new_migration(common.settings(), name),
        views.show_created,
        emit=lambda paths: emit_json({"created": paths}),
    )
