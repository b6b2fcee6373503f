"""How the dashboard writes values: money, percentages, counts and dates as text, from Decimal, never float.

The same functions serve the Jinja2 filters (:mod:`tenantdb.server.dashboard.rendering`), the table component's
cells and sort keys, and the charts' axis ticks and summaries. A float is refused: money is Decimal all the way.
A missing value (``None``) is written as an em dash.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal, localcontext
from enum import StrEnum
from typing import ParamSpec, TypeVar

MISSING = "—"

Numeric = Decimal | int
EXACT_DIGITS = 40  # beyond this many integer digits a value is written in scientific notation

# Wide enough that no finite Decimal overflows while it is scaled for display (x100 for a percentage).
_WIDE = Context(prec=EXACT_DIGITS + 20, Emax=MAX_EMAX, Emin=MIN_EMIN, rounding=ROUND_HALF_UP)

_P = ParamSpec("_P")
_R = TypeVar("_R")


def in_wide_context(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``function`` in the wide decimal context."""

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with localcontext(_WIDE):
            return function(*args, **kwargs)

    return wrapper


class ValueKind(StrEnum):
    """What a value is, which decides how it is written and aligned (numbers right, text left)."""

    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"  # a ratio: 0.811 is written 81.1%
    TEXT = "text"
    DATE = "date"

    @property
    def numeric(self) -> bool:
        return self in {ValueKind.NUMBER, ValueKind.MONEY, ValueKind.PERCENT}


def _decimal(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}: {value!r}")
    return Decimal(value)


def _round(value: Decimal, places: int) -> Decimal:
    rounded = (
        value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) if value.adjusted() < EXACT_DIGITS else value
    )
    return abs(rounded) if rounded == 0 else rounded  # never "-0.00"


def _grouped(value: Decimal, places: int) -> str:
    if (
        value.adjusted() >= EXACT_DIGITS
    ):  # beyond what quantize can hold: still readable, still exact to the digit shown
        return f"{value:.{places}E}"
    return f"{_round(value, places):,.{places}f}"


@in_wide_context
def money(value: Numeric | None, places: int = 2) -> str:
    """``Decimal("-1234.5")`` -> ``-$1,234.50`` (half away from zero, as PostgreSQL rounds)."""
    if value is None:
        return MISSING
    amount = _round(_decimal(value), places)
    return f"{'-' if amount < 0 else ''}${_grouped(abs(amount), places)}"


@in_wide_context
def signed_money(value: Numeric | None, places: int = 2) -> str:
    """Money with its sign always written: ``+$3.62``, ``-$929.82``, ``$0.00``."""
    if value is None:
        return MISSING
    text = money(value, places)
    return f"+{text}" if _round(_decimal(value), places) > 0 else text


@in_wide_context
def percent(ratio: Numeric | None, digits: int = 1) -> str:
    """A ratio as a percentage: ``Decimal("0.811")`` -> ``81.1%``. A non-zero ratio that would read as zero (a spam
    rate of 0.04% against a 0.1% limit) gets one more digit, and below that is ``<0.01%``, never ``0.0%``."""
    if ratio is None:
        return MISSING
    scaled = _decimal(ratio) * 100
    if scaled != 0 and _round(scaled, digits) == 0:
        digits += 1
        if _round(scaled, digits) == 0:
            smallest = Decimal(1).scaleb(-digits)
            return f"{'>-' if scaled < 0 else '<'}{smallest:.{digits}f}%"
    return f"{_grouped(_round(scaled, digits), digits)}%"


@in_wide_context
def number(value: Numeric | None, digits: int = 0) -> str:
    """A count or quantity with thousands separators: ``53791`` -> ``53,791``."""
    if value is None:
        return MISSING
    amount = _round(_decimal(value), digits)
    return f"{'-' if amount < 0 else ''}{_grouped(abs(amount), digits)}"


def date_text(value: date | datetime | None) -> str:
    """``2026-11-05``, or ``2026-11-05 14:03 UTC`` for an aware datetime (shown in UTC)."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def month_text(value: date | None) -> str:
    """The month of a date, in words: ``November 2026``."""
    return MISSING if value is None else value.strftime("%B %Y")


@in_wide_context
def format_value(kind: ValueKind | str, value: object) -> str:
    """``value`` written as ``kind`` says (the table component's cells)."""
    if value is None:
        return MISSING
    match ValueKind(kind):
        case ValueKind.MONEY:
            return money(_decimal(value))
        case ValueKind.PERCENT:
            return percent(_decimal(value))
        case ValueKind.NUMBER:
            return number(_decimal(value), digits=_digits(_decimal(value)))
        case ValueKind.DATE if isinstance(value, date):
            return date_text(value)
        case _:
            return str(value)


def _digits(value: Decimal) -> int:
    """Decimals a quantity shows: none for whole numbers, else as many as it has, up to 2."""
    exponent = value.normalize().as_tuple().exponent
    return 0 if not isinstance(exponent, int) or exponent >= 0 else min(-exponent, 2)


@in_wide_context
def sort_value(kind: ValueKind | str, value: object) -> str:
    """The key a table cell sorts by (``data-sort-value``): the exact number, an ISO date, or the lowercased text."""
    if value is None:
        return ""
    kind = ValueKind(kind)
    if kind.numeric:
        amount = _decimal(value)
        return f"{amount:f}" if abs(amount.adjusted()) < EXACT_DIGITS else str(amount)
    if kind is ValueKind.DATE and isinstance(value, date):
        return value.isoformat()
    return str(value).casefold()


_SUFFIXES = ((Decimal(10) ** 12, "T"), (Decimal(10) ** 9, "B"), (Decimal(10) ** 6, "M"), (Decimal(10) ** 3, "K"))


@in_wide_context
def compact(kind: ValueKind | str, value: Numeric) -> str:
    """A short label for an axis tick: ``$2.5M``, ``1.2K``, ``0.3%``, ``1.0E+30``."""
    amount = _decimal(value)
    kind = ValueKind(kind)
    if kind is ValueKind.PERCENT:
        amount *= 100
    magnitude = abs(amount)
    if magnitude == 0:
        text = "0"
    elif magnitude >= Decimal(10) ** 15 or magnitude < Decimal("0.001"):
        text = f"{magnitude:.1E}"
    else:
        text = _short(magnitude)
    sign = "-" if amount < 0 and text != "0" else ""
    if kind is ValueKind.MONEY:
        return f"{sign}${text}"
    if kind is ValueKind.PERCENT:
        return f"{sign}{text}%"
    return f"{sign}{text}"


def _short(magnitude: Decimal) -> str:
    for size, suffix in _SUFFIXES:
        if magnitude >= size:
            return f"{_trim(magnitude / size)}{suffix}"
    return _trim(magnitude)


def _trim(value: Decimal) -> str:
    """Up to three significant decimals, no trailing zeros: 2.50 -> 2.5, 2.0 -> 2."""
    text = f"{value.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shown(kind: ValueKind, delta: Decimal) -> tuple[Decimal, str]:
    """A change rounded as it is shown, and its size in words."""
    if kind is ValueKind.PERCENT:
        shown = _round(delta * 100, 1)
        return shown, f"{_grouped(abs(shown), 1)} pts"
    if kind is ValueKind.MONEY:
        shown = _round(delta, 2)
        return shown, money(abs(shown))
    digits = _digits(delta)
    shown = _round(delta, digits)
    return shown, number(abs(shown), digits)


@in_wide_context
def change(kind: ValueKind | str, delta: Numeric | None) -> str:
    """A change in words, never by colour only: ``up $217.40``, ``down 1.6 pts``, ``no change``."""
    if delta is None:
        return MISSING
    shown, size = _shown(ValueKind(kind), _decimal(delta))
    if shown == 0:
        return "no change"
    return f"{'up' if shown > 0 else 'down'} {size}"


@in_wide_context
def direction(kind: ValueKind | str, delta: Numeric | None) -> str:
    """``up``, ``down`` or ``flat`` as :func:`change` rounds it: a class name for the change's arrow."""
    if delta is None:
        return "flat"
    shown, _ = _shown(ValueKind(kind), _decimal(delta))
    return "flat" if shown == 0 else ("up" if shown > 0 else "down")
