"""The pricing pipeline: a basket is priced by an ordered list of small steps.

Each step looks at the basket and appends :class:`Adjustment` rows to lines, each naming the
step, the rule and the reason, so the register can show "why this price" and reports can audit
discounts by employee. Pricing always starts over from the catalog: the ``base`` step reloads
every line's price, cost, name and unit from the products table, so whatever a caller put in a
line is never what is charged. To add a step (loyalty, promotions, codes, certificates,
bonuses), write a function ``step(basket, ctx)`` and insert it into :data:`PIPELINE` at its
place, before the ``cost_guard``, which always runs last.

Rounding follows the one rule in :mod:`torgtui.money`: each computed amount is rounded half up
to the kopeck where it is computed; a receipt-wide amount is split over lines in proportion to
their totals with the leftover kopecks going to the largest shares, so lines always add up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.db import database, sql
from torgtui.errors import ValidationError
from torgtui.i18n import _
from torgtui.money import line_amount, percent_of
from torgtui.sales import extensions
from torgtui.sales.basket import Adjustment, Basket, ManualDiscount

BELOW_COST_POLICIES = ("confirm", "never")


@dataclass(frozen=True)
class CatalogItem:
    """A product as the catalog prices it (the only source of a line's price)."""

    id: int
    sku: str
    name: str
    price: int
    cost: int
    unit: str
    weighed: bool
    tax_group: str
    active: bool
    group_id: int | None = None
    manufacturer_id: int | None = None


def load_catalog(product_ids: Sequence[int]) -> dict[int, CatalogItem]:
    """The catalog entries of ``product_ids``, in one query."""
    ids = sorted({i for i in product_ids if isinstance(i, int) and not isinstance(i, bool)})
    out: dict[int, CatalogItem] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = database.execute_sql(
            sql(
                'SELECT "id", "sku", "name", "price", "cost", "unit", "weighed", "tax_group", '
                f'"active", "group_id", "manufacturer_id" FROM "product" WHERE "id" IN ({marks})'
            ),
            chunk,
        ).fetchall()
        for row in rows:
            out[row[0]] = CatalogItem(*row[:6], bool(row[6]), row[7], bool(row[8]), row[9], row[10])
    return out


@dataclass
class PricingContext:
    """What steps may consult besides the basket."""

    at: dt.datetime
    customer_id: int | None = None
    location_id: int | None = None  # where it is sold (its price type, its price list)
    # what the last step does with a line discounted below its cost: "confirm" leaves it for
    # a confirmer with the permission (checkout refuses it unapproved), "never" limits it
    below_cost: str = "confirm"
    catalog: dict[int, CatalogItem] | None = None  # loaded by price() when not given
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
    """Start over from the catalog: every line's price, cost, name and unit as the products
    table has them now, no adjustments."""
    catalog = ctx.catalog or {}
    for line in basket.lines:
        item = catalog.get(line.product_id)
        if item is None:
            raise ValidationError(
                _("Line {name}: no such product in the catalog. Delete the line.").format(
                    name=line.name
                )
            )
        line.sku, line.name, line.unit_price, line.unit_cost = (
            item.sku,
            item.name,
            item.price,
            item.cost,
        )
        line.unit, line.weighed, line.tax_group = item.unit, item.weighed, item.tax_group
        line.group_id, line.manufacturer_id = item.group_id, item.manufacturer_id
        line.adjustments.clear()
        line.below_cost = line.bonus_spend = line.bonus_earn = 0
    basket.info.clear()


def price_override(basket: Basket, ctx: PricingContext) -> None:
    """Lines sold at another price by permission (see Register.override_price)."""
    for override in basket.overrides:
        if not 0 <= override.line < len(basket.lines):
            continue
        line = basket.lines[override.line]
        amount = line.subtotal - line_amount(override.unit_price, line.qty)
        if amount:
            line.adjustments.append(
                Adjustment(
                    "override",
                    override.reason or _("Price set by hand"),
                    amount,
                    rule="price",
                    employee_id=override.employee_id,
                )
            )


def _manual_amount(request: ManualDiscount, base: int) -> int:
    if request.percent is not None:
        return percent_of(base, request.percent)
    return min(request.amount or 0, base)


def manual_share(request: ManualDiscount, base: int) -> Decimal:
    """The share of ``base`` a manual discount takes, in percent (what role limits cap)."""
    if request.percent is not None:
        return request.percent
    if base <= 0:
        return Decimal(100)
    return (Decimal(min(request.amount or 0, base)) * 100 / base).quantize(Decimal("0.01"))


def manual_discount(basket: Basket, ctx: PricingContext) -> None:
    """Discounts typed at the register. Who may give them is proven by their approvals (see
    torgtui.approvals), checked when they are given and again at checkout; the share of its
    target each one took is left in ``ctx.extra["manual_shares"]`` for that check."""
    shares: list[Decimal] = []
    ctx.extra["manual_shares"] = shares
    for request in basket.manual_discounts:
        reason = request.reason or (
            _("Manual discount {p}%").format(p=request.percent)
            if request.percent is not None
            else _("Manual discount")
        )
        if request.line is not None:
            if not 0 <= request.line < len(basket.lines):
                shares.append(Decimal(0))
                continue
            line = basket.lines[request.line]
            shares.append(manual_share(request, line.total))
            amount = _manual_amount(request, line.total)
            if amount:
                line.adjustments.append(
                    Adjustment("manual", reason, amount, employee_id=request.employee_id)
                )
            continue
        totals = [max(line.total, 0) for line in basket.lines]
        shares.append(manual_share(request, sum(totals)))
        amount = _manual_amount(request, sum(totals))
        for line, share in zip(basket.lines, split_proportionally(amount, totals), strict=True):
            if share:
                line.adjustments.append(
                    Adjustment(
                        "manual", reason, share, rule="receipt", employee_id=request.employee_id
                    )
                )


def cost_guard(basket: Basket, ctx: PricingContext) -> None:
    """The last step: a line that discounts took below its cost. With ``below_cost="never"``
    the discount is limited so the line sells at cost (and says so); with "confirm" the line
    keeps its price and ``line.below_cost`` tells by how much, for the cashier to see and for
    a confirmer with the permission to approve (checkout refuses it otherwise). A catalog
    price that is itself below cost is the price list's decision, not a discount: the floor
    is the lower of cost and the undiscounted price."""
    for line in basket.lines:
        if line.unit_cost <= 0:
            continue
        short = min(line.cost_total, line.subtotal) - line.total
        if short <= 0:
            continue
        if ctx.below_cost == "never":
            line.adjustments.append(
                Adjustment("cost_guard", _("Below cost: limited to cost"), -short, rule="cost")
            )
        else:
            line.below_cost = short


# The register's own steps with their place in the order (the whole order, with the
# features' steps, is written down in torgtui.sales.extensions).
CORE_STEPS: list[tuple[int, str, Step]] = [
    (0, "base", base_price),
    (10, "override", price_override),
    (80, "manual", manual_discount),
    (100, "cost_guard", cost_guard),  # always last: later steps go before it
]
PIPELINE: list[tuple[str, Step]] = [(name, step) for _order, name, step in CORE_STEPS]


def pipeline() -> list[tuple[str, Step]]:
    """The full pipeline: the register's steps and every feature's, in order."""
    extensions.load()
    merged = [(o, n, s) for o, n, s in CORE_STEPS]
    merged += [(step.order, step.name, step.run) for step in extensions.PRICING_STEPS]
    return [(name, step) for _order, name, step in sorted(merged, key=lambda m: m[0])]


def price(
    basket: Basket, ctx: PricingContext, steps: Sequence[tuple[str, Step]] | None = None
) -> Basket:
    """Run the pipeline over ``basket`` in place and return it. No line ends below zero."""
    if ctx.below_cost not in BELOW_COST_POLICIES:
        raise ValidationError(
            _("Unknown below-cost policy {value!r}: use confirm or never.").format(
                value=ctx.below_cost
            )
        )
    if ctx.catalog is None:
        ctx.catalog = load_catalog([line.product_id for line in basket.lines])
    if steps is None:
        steps = pipeline()
        for loader in extensions.CONTEXT_LOADERS:
            loader(basket, ctx)
    for _name, step in steps:
        step(basket, ctx)
    for line in basket.lines:
        if line.total < 0:
            raise ValidationError(
                _("Line {name} would cost less than nothing: check its discounts.").format(
                    name=line.name
                )
            )
    return basket
