"""``tenantdb actions``: the cost optimizations ``bi refresh`` recommends: list them, accept, mark done, dismiss."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tenantdb import commands
from tenantdb.bi import parse_month
from tenantdb.bi.emit import OptimizationStatus, Transition, Transitioned
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import print_table, prose, stdout
from tenantdb.errors import ConfigError

actions_app = typer.Typer(
    help="The cost optimizations `tenantdb bi refresh` recommends (one per action, subject and month): list them, "
    "accept them, mark them done (their realized savings are measured on the following months) or dismiss them. "
    "Each step emits a cost_optimization event (docs/business-metrics.md, 'Events from the refresh').",
    no_args_is_help=True,
)

IdArg = Annotated[
    str, typer.Argument(help="The optimization's id, or its first 8 or more hex digits (`tenantdb actions list`).")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why, or what was done (kept with the optimization).")]


def show_list(listing: commands.ActionsList) -> None:
    if not listing.optimizations:
        stdout.print(f"no cost optimization matches on {escape(listing.database)}")
        return
    months = sorted({o.month for o in listing.optimizations}, reverse=True)
    for month in months:
        table = Table(title=f"{month:%Y-%m}", title_justify="left", box=None, padding=(0, 1))
        table.add_column("id", no_wrap=True, min_width=8)
        table.add_column("action, subject", overflow="fold", min_width=27)
        table.add_column("$/month", justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True, min_width=11)
        table.add_column("realized", justify="right", no_wrap=True)
        for o in (o for o in listing.optimizations if o.month == month):
            realized = "" if o.realized is None else f"{o.realized:,.2f}"
            table.add_row(
                str(o.optimization_id)[:8], f"{o.kind}\n  [dim]{escape(o.subject)}[/]", f"{o.expected_savings:,.2f}",
                o.status.value, realized,
            )  # fmt: skip
        print_table(table)
    done = [o for o in listing.optimizations if o.status is OptimizationStatus.DONE]
    measured = [o.realized for o in done if o.realized is not None]
    prose(
        f"{len(listing.optimizations)} optimization(s) on {escape(listing.database)}, "
        f"{sum(o.expected_savings for o in listing.optimizations):,.2f} expected a month; {len(done)} done"
        + (f", realizing {sum(measured):,.2f} a month in their latest measured months" if measured else "")
    )


def show_transition(done: Transitioned) -> None:
    o = done.optimization
    stdout.print(
        f"{o.status.value} {o.optimization_id}: {o.kind} for {escape(o.subject)} ({o.month:%Y-%m}), "
        f"expected {o.expected_savings:,.2f} a month"
    )
    if done.resolved_impacts:
        stdout.print(f"resolved {done.resolved_impacts} revenue impact(s) of {o.month:%Y-%m}")
    if o.status is OptimizationStatus.DONE:
        stdout.print("its realized savings are measured on each month that begins after now, when it is refreshed")


@actions_app.command("list")
@shared(*DATABASE)
def list_actions(
    month: Annotated[str | None, typer.Option("--month", help="Only this month's, YYYY-MM.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"Only these: {', '.join(status.value for status in OptimizationStatus)}."),
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant's: id, slug or name.")] = None,
    *,
    common: Common,
) -> None:
    """List the cost optimizations, newest month and largest savings first, with status and realized savings."""

    def action() -> commands.ActionsList:
        return commands.actions_list(
            common.settings(),
            month=None if month is None else parse_month(month),
            status=None if status is None else _status(status),
            tenant=tenant,
        )

    common.run(action, show_list)


def _status(text: str) -> OptimizationStatus:
    try:
        return OptimizationStatus(text.strip().lower())
    except ValueError:
        raise ConfigError(
            f"--status {text!r}: expected one of {', '.join(status.value for status in OptimizationStatus)}"
        ) from None


def _transition(change: Transition, reference: str, note: str | None, common: Common) -> None:
    common.run(
        lambda: commands.actions_transition(common.settings(), reference, change, note=note),
        show_transition,
    )


@actions_app.command("accept")
@shared(*DATABASE)
def accept(reference: IdArg, note: NoteOpt = None, *, common: Common) -> None:
    """Accept a recommended optimization: it is going to be done."""
    _transition(Transition.ACCEPT, reference, note, common)


@actions_app.command("done")
@shared(*DATABASE)
def done(reference: IdArg, note: NoteOpt = None, *, common: Common) -> None:
    """Record that an optimization was done (recommended or accepted before), by the database user, now.

    Each month that begins afterwards measures its realized savings when it is refreshed.

    Realized = what it was expected to save - what the same action is still worth then.

    A fix_deliverability action done also resolves the customer's revenue at risk of that month.
    """
    _transition(Transition.DONE, reference, note, common)


@actions_app.command("dismiss")
@shared(*DATABASE)
def dismiss(reference: IdArg, note: NoteOpt = None, *, common: Common) -> None:
    """Dismiss a recommended (or accepted) optimization: it will not be done."""
    _transition(Transition.DISMISS, reference, note, common)
