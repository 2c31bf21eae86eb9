"""The one rounding rule and money parsing/formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from torgtui.errors import ValidationError
from torgtui.money import (
    format_money,
    format_qty,
    line_amount,
    parse_money,
    percent_of,
    round_cash,
    round_kopecks,
)


def test_half_up_to_the_kopeck() -> None:
    assert round_kopecks(Decimal("12.5")) == 13
    assert round_kopecks(Decimal("12.49")) == 12
    assert round_kopecks(Decimal("-12.5")) == -13  # away from zero
    assert percent_of(1999, Decimal(10)) == 200  # 199.9 -> 200
    assert percent_of(1995, Decimal("7.5")) == 150  # 149.625 -> 150
    assert line_amount(12999, 1250) == 16249  # 1.25 kg x 129.99 = 162.4875
    assert line_amount(12999, 3000) == 38997


@pytest.mark.parametrize(
    ("kopecks", "step", "expected"),
    [
        (12345, 10, 12350),
        (12344, 10, 12340),
        (12345, 1, 12345),
        (12349, 50, 12350),
        (12324, 50, 12300),
        (12350, 100, 12400),
    ],
)
def test_cash_rounding(kopecks: int, step: int, expected: int) -> None:
    assert round_cash(kopecks, step) == expected


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("12", 1200),
        ("12.5", 1250),
        ("12,50", 1250),
        ("1 250.00", 125000),
        ("0.01", 1),
        ("99.90 ₴", 9990),
    ],
)
def test_parse_money(text: str, kopecks: int) -> None:
    assert parse_money(text) == kopecks


@pytest.mark.parametrize(
    "text", ["", "abc", "12.345", "1e3x", "NaN", "-5", "1e5", "Infinity", "9" * 40, "+3"]
)
def test_parse_money_refuses(text: str) -> None:
    with pytest.raises(ValidationError):
        parse_money(text)


def test_format() -> None:
    assert format_money(1250075) == "12\u202f500.75 ₴"
    assert format_money(-5, symbol=False) == "-0.05"
    assert format_qty(1000) == "1" and format_qty(1250) == "1.25" and format_qty(500) == "0.5"
