"""``tenantdb decisions``: strategic decisions opened and decided, with how long they took (module events)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from rich.markup import escape

from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stdout
from tenantdb.commands.connection import open_session
from tenantdb.db import Session
from tenantdb.errors import ConfigError, DatabaseError
from tenantdb.events.records import (
    Decision,
    DecisionCategory,
    DecisionOutcome,
    decide,
    find_tenant,
    list_decisions,
    open_decision,
)

T = TypeVar("T")

# What the recording functions raise for a bad request (a bad value, an unknown decision, a second decision):
# the command's input was wrong, and nothing was changed.
REFUSED = {"22023", "P0002", "55000"}

decisions_app = typer.Typer(
    help="Strategic decisions: open one, decide it, list them with how long each took (docs/events.md).",
    no_args_is_help=True,
)


def _in_transaction(common: Common, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction of the migration role; a refused recording is bad input."""
    with open_session(common.settings(), "decisions") as session:
        try:
            with session.transaction():
                return work(session)
        except DatabaseError as error:
            if error.sqlstate in REFUSED:
                raise ConfigError(error.message, hint=error.hint) from None
            raise


def _describe(decision: Decision) -> str:
    about = f" about {escape(decision.tenant)}" if decision.tenant else " (company-wide)"
    state = (
        f"{decision.outcome} after {decision.decision_hours:.1f} h"
        if decision.outcome is not None and decision.decision_hours is not None
        else "open"
    )
    return f"{escape(decision.title)}{about} [{decision.category}]: {state}  ({decision.decision_id})"


def show_decisions(decisions: tuple[Decision, ...]) -> None:
    if not decisions:
        stdout.print("no strategic decisions (`tenantdb decisions open TITLE --category C`)")
        return
    for d in decisions:
        value = f", expected {d.expected_value:,.2f} $" if d.expected_value is not None else ""
        stdout.print(f"{d.opened_at:%Y-%m-%d %H:%M}  {_describe(d)}{value}")


@decisions_app.command("open")
@shared(*DATABASE)
def open_command(
    title: Annotated[str, typer.Argument(help="What is being decided, e.g. 'Raise the Pro plan to $59'.")],
    category: Annotated[DecisionCategory, typer.Option("--category", help="What kind of decision it is.")],
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="The customer concerned (id, slug or name); company-wide without it.")
    ] = None,
    expected_value: Annotated[
        str | None, typer.Option("--expected-value", help="What it is expected to be worth, in dollars.")
    ] = None,
    *,
    common: Common,
) -> None:
    """Open a strategic decision now; its strategic_decision event (stage opened) is emitted with it."""

    def work(session: Session) -> Decision:
        value = _money("--expected-value", expected_value)
        tenant_id = find_tenant(session, tenant) if tenant is not None else None
        decision_id = open_decision(session, title=title, category=category, tenant_id=tenant_id, expected_value=value)
        return next(d for d in list_decisions(session) if d.decision_id == decision_id)

    common.run(lambda: _in_transaction(common, work), lambda d: stdout.print(f"opened decision {_describe(d)}"))


@decisions_app.command("decide")
@shared(*DATABASE)
def decide_command(
    decision_id: Annotated[str, typer.Argument(help="The decision's id (tenantdb decisions list --open).")],
    outcome: Annotated[DecisionOutcome, typer.Option("--outcome", help="What was decided.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what follows.")] = None,
    *,
    common: Common,
) -> None:
    """Decide an open decision now; its strategic_decision event (stage decided, decision_hours) is emitted."""

    def work(session: Session) -> Decision:
        try:
            key = UUID(decision_id)
        except ValueError:
            raise ConfigError(f"decision id {decision_id!r} is not a uuid", hint="tenantdb decisions list") from None
        return decide(session, decision_id=key, outcome=outcome, note=note)

    common.run(lambda: _in_transaction(common, work), lambda d: stdout.print(f"decided {_describe(d)}"))


@decisions_app.command("list")
@shared(*DATABASE)
def list_command(
    open_only: Annotated[bool, typer.Option("--open", help="Only the decisions not decided yet.")] = False,
    *,
    common: Common,
) -> None:
    """The strategic decisions, newest first, with how long each took to decide."""
    common.run(
        lambda: _in_transaction(common, lambda session: list_decisions(session, open_only=open_only)),
        show_decisions,
    )


def _money(option: str, text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        value = Decimal(text.strip().removeprefix("$").replace(",", ""))
    except InvalidOperation:
        raise ConfigError(f"{option} {text!r}: expected an amount in dollars, like 1200 or 1,200.50") from None
    if not value.is_finite():
        raise ConfigError(f"{option} {text!r}: expected a finite amount")
    return value
