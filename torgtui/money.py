"""Money: integer kopecks everywhere, rates as Decimal, and the one rounding rule.

THE ROUNDING RULE (the only place money is rounded):
  * Any amount computed from a rate or a quantity (a percentage discount, 1.25 kg x price,
    a tax share) is rounded to whole kopecks **half up** (0.5 kopeck goes away from zero),
    per line, at the step that computes it. Receipt totals are sums of rounded lines.
  * The amount a customer pays *in cash* is rounded to the settings' ``money.cash_rounding``
    step (10 kopecks by default, as the NBU rule since 2019) half up; card payments are not
    rounded. The difference is shown on the receipt as "rounding".
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from torgtui.values import parse_money

KOPECKS = 100

__all__ = [
    "KOPECKS",
    "format_money",
    "format_qty",
    "line_amount",
    "parse_money",
    "percent_of",
    "round_cash",
    "round_kopecks",
]


def round_kopecks(amount: Decimal) -> int:
    """Round an amount in kopecks (possibly fractional) to whole kopecks, half up."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def round_cash(kopecks: int, step: int) -> int:
    """Round a cash amount to ``step`` kopecks, half up (the customer pays this in cash)."""
    if step <= 1:
        return kopecks
    return round_kopecks(Decimal(kopecks) / step) * step


def percent_of(kopecks: int, percent: Decimal) -> int:
    """``percent`` % of ``kopecks``, rounded by the rule."""
    return round_kopecks(Decimal(kopecks) * percent / 100)


def line_amount(unit_price: int, qty_milli: int) -> int:
    """Price of ``qty_milli`` thousandths of a unit (1000 = 1 pc, 1250 = 1.25 kg)."""
    return round_kopecks(Decimal(unit_price) * qty_milli / 1000)


def format_money(kopecks: int, *, symbol: bool = True) -> str:
    """1250075 -> "12 500.75 ₴" (thin-space thousands, point decimals, hryvnia sign)."""
    sign = "-" if kopecks < 0 else ""
    whole, kop = divmod(abs(kopecks), KOPECKS)
    grouped = f"{whole:,}".replace(",", "\u202f")
    text = f"{sign}{grouped}.{kop:02d}"
    return f"{text} ₴" if symbol else text


def format_qty(qty_milli: int) -> str:
    """1000 -> "1", 1250 -> "1.25", 500 -> "0.5"."""
    whole, frac = divmod(abs(qty_milli), 1000)
    sign = "-" if qty_milli < 0 else ""
    if not frac:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{frac:03d}".rstrip("0")
