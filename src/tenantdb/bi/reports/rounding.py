"""Rounding for display that adds up: rounded parts always sum to the rounded total they are shown with.

Rounding each part on its own does not: three drifts of -0.004 each show as 0.00 while their sum, -0.012, shows
as -0.01. :func:`round_parts` rounds by largest remainder instead (as the allocation splits a pool): every part
is first rounded down to the cent, then the cents still missing to reach the total go one each to the parts
that lost the most, ties to the earlier part. A part thus never moves by a whole cent or more from its exact
value (to the rounded sum), and the parts shown add up to the total shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def round_money(value: Decimal, places: int = 2) -> Decimal:
    """Half away from zero, as PostgreSQL's ``round(numeric, 2)`` does."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def round_parts(parts: Sequence[Decimal], total: Decimal | None = None, places: int = 2) -> tuple[Decimal, ...]:
    """``parts`` rounded to ``places`` so that they sum exactly to ``total`` (default: their rounded exact sum).

    ``total`` must itself be a multiple of the unit (e.g. whole cents); a total that is not within a unit per part
    of the exact sum is still reached, by moving the parts with the largest (or, downwards, smallest) remainders.
    """
    unit = Decimal(1).scaleb(-places)
    target = round_money(sum(parts, Decimal(0)), places) if total is None else total
    if target != target.quantize(unit):
        raise ValueError(f"total {target} is not a multiple of {unit}")
    floors = [part.quantize(unit, rounding=ROUND_FLOOR) for part in parts]
    if not parts:
        if target:
            raise ValueError(f"no parts to add up to {target}")
        return ()
    missing = int((target - sum(floors, Decimal(0))) / unit)
    remainders = [part - floor for part, floor in zip(parts, floors, strict=True)]
    # Largest remainder first, ties to the earlier part; cents taken away go from the other end of that order.
    order = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    step = unit if missing >= 0 else -unit
    if missing < 0:
        order.reverse()
    rounded = list(floors)
    for n in range(abs(missing)):
        rounded[order[n % len(order)]] += step
    return tuple(rounded)
