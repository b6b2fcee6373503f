"""Display rounding that adds up (issue 12, finding 8): rounded parts sum to the rounded total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tenantdb.bi.reports.rounding import round_money, round_parts

D = Decimal


def test_the_finding_three_drifts_that_each_round_to_zero_show_the_cent_of_their_sum() -> None:
    parts = (D("-0.004"), D("-0.004"), D("-0.004"))
    assert [round_money(p) for p in parts] == [D("0.00")] * 3  # what the report showed: 0.00 + 0.00 + 0.00
    shown = round_parts(parts)
    assert sum(shown) == round_money(sum(parts, D(0))) == D("-0.01")
    assert shown == (D("0.00"), D("0.00"), D("-0.01"))


def test_parts_reach_a_given_total_such_as_displayed_invoiced_minus_displayed_modeled() -> None:
    # invoiced 20.00, modeled 10.005: the difference shown is 20.00 - 10.01 = 9.99, not round(9.995) = 10.00.
    shown = round_parts((D("4.9975"), D("4.9975")), total=D("9.99"))
    assert sum(shown) == D("9.99")
    assert all(abs(s - D("4.9975")) < D("0.01") for s in shown)


def test_parts_already_in_cents_are_kept() -> None:
    assert round_parts((D("1.10"), D("-2.25"), D("0"))) == (D("1.10"), D("-2.25"), D("0.00"))


def test_no_parts_sum_to_zero_and_a_total_that_is_not_whole_cents_is_refused() -> None:
    assert round_parts(()) == ()
    with pytest.raises(ValueError, match="no parts"):
        round_parts((), total=D("0.01"))
    with pytest.raises(ValueError, match="multiple"):
        round_parts((D("1.001"),), total=D("1.001"))


money = st.decimals(min_value=D("-100000"), max_value=D("100000"), places=6, allow_nan=False, allow_infinity=False)


@given(st.lists(money, max_size=12))
def test_rounded_parts_always_add_up_and_each_stays_within_a_cent(parts: list[Decimal]) -> None:
    shown = round_parts(parts)
    assert sum(shown, D(0)) == round_money(sum(parts, D(0)))
    assert all(abs(s - p) < D("0.01") for s, p in zip(shown, parts, strict=True))
    assert all(s == s.quantize(D("0.01")) for s in shown)
