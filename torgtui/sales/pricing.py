"""The pricing pipeline: a basket is priced by an ordered list of small steps.

Each step looks at the basket and appends :class:`Adjustment` rows to lines, each naming the
step, the rule and the reason, so the register can show "why this price" and reports can audit
discounts by employee. Pricing always starts over from the base price, so steps never see their
own earlier output. To add a step (loyalty, promotions, codes, certificates, bonuses), write a
function ``step(basket, ctx)`` and insert it into :data:`PIPELINE` at its place.

Rounding follows the one rule in :mod:`torgtui.money`: each computed amount is rounded half up
to the kopeck where it is computed; a receipt-wide amount is split over lines in proportion to
their totals with the leftover kopecks going to the largest shares, so lines always add up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.money import percent_of
from torgtui.sales.basket import Adjustment, Basket, ManualDiscount


@dataclass
class PricingContext:
    """What steps may consult besides the basket."""

    at: dt.datetime
    customer_id: int | None = None
    extra: dict[str, object] = field(default_factory=dict)  # for later steps' own inputs


Step = Callable[[Basket, PricingContext], None]


def split_proportionally(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` kopecks over ``weights`` exactly (largest remainder method)."""
    total = sum(weights)
    if total <= 0 or amount == 0:
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    remainders = sorted(
        range(len(weights)), key=lambda i: (-(amount * weights[i] % total), -weights[i], i)
    )
    for i in remainders[: amount - sum(shares)]:
        shares[i] += 1
    return shares


def base_price(basket: Basket, ctx: PricingContext) -> None:
    """Start over: every line at its base price, no adjustments."""
    for line in basket.lines:
        line.adjustments.clear()


def _manual_amount(request: ManualDiscount, base: int) -> int:
    if request.percent is not None:
        return percent_of(base, request.percent)
    return min(request.amount or 0, base)


def manual_discount(basket: Basket, ctx: PricingContext) -> None:
    """Discounts typed at the register (permission and limits are checked when they are
    requested, see :func:`torgtui.sales.register.request_manual_discount`)."""
    for request in basket.manual_discounts:
        reason = request.reason or (
            _("Manual discount {p}%").format(p=request.percent)
            if request.percent is not None
            else _("Manual discount")
        )
        if request.line is not None:
            if not 0 <= request.line < len(basket.lines):
                continue
            line = basket.lines[request.line]
            amount = _manual_amount(request, line.total)
            if amount:
                line.adjustments.append(
                    Adjustment("manual", reason, amount, employee_id=request.employee_id)
                )
            continue
        totals = [max(line.total, 0) for line in basket.lines]
        amount = _manual_amount(request, sum(totals))
        for line, share in zip(basket.lines, split_proportionally(amount, totals), strict=True):
            if share:
                line.adjustments.append(
                    Adjustment(
                        "manual", reason, share, rule="receipt", employee_id=request.employee_id
                    )
                )


PIPELINE: list[tuple[str, Step]] = [
    ("base", base_price),
    ("manual", manual_discount),
]


def price(
    basket: Basket, ctx: PricingContext, steps: Sequence[tuple[str, Step]] | None = None
) -> Basket:
    """Run the pipeline over ``basket`` in place and return it. No line ends below zero."""
    for _name, step in steps or PIPELINE:
        step(basket, ctx)
    for line in basket.lines:
        if line.total < 0:
            raise ValidationError(
                _("Line {name} would cost less than nothing: check its discounts.").format(
                    name=line.name
                )
            )
    return basket
