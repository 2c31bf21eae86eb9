"""The basket being sold: lines with their base price and the adjustments pricing made.

A basket is plain data (no database, no screen): the register builds it from scans, the pricing
pipeline (:mod:`torgtui.sales.pricing`) fills in adjustments, checkout writes it as a receipt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from torgtui.money import line_amount


@dataclass
class Adjustment:
    """Money off one line (positive) or an extra charge (negative), and why."""

    step: str  # the pricing step that made it ("manual", "promotion", ...)
    reason: str  # words for the receipt and the "why this price" view
    amount: int  # kopecks
    rule: str = ""  # the rule's id in its step (promotion id, card type ...)
    employee_id: int | None = None


@dataclass
class BasketLine:
    product_id: int
    sku: str
    name: str
    qty: int  # thousandths of the unit
    unit_price: int  # base retail price per unit, kopecks (set by the "base" step)
    unit_cost: int = 0
    barcode: str = ""
    unit: str = "pcs"
    weighed: bool = False
    tax_group: str = "A"
    adjustments: list[Adjustment] = field(default_factory=list)
    below_cost: int = 0  # kopecks under cost after every step (set by pricing, not saved)
    bonus_spend: int = 0  # this line's share of the bonuses paid (set by pricing, not saved)
    bonus_earn: int = 0  # bonuses this line earns (set by pricing, not saved)
    group_id: int | None = None  # the product's group and manufacturer (set by pricing)
    manufacturer_id: int | None = None

    @property
    def subtotal(self) -> int:
        return line_amount(self.unit_price, self.qty)

    @property
    def discount(self) -> int:
        return sum(a.amount for a in self.adjustments)

    @property
    def total(self) -> int:
        return self.subtotal - self.discount

    @property
    def cost_total(self) -> int:
        return line_amount(self.unit_cost, self.qty)


@dataclass
class ManualDiscount:
    """A discount the cashier typed: on one line (``line`` index) or the whole receipt.

    ``approval_id`` is the spent approval (see torgtui.approvals) that checkout verifies;
    ``employee_id`` is who approved it, as the register recorded it (checkout replaces it
    with the verified approver)."""

    employee_id: int
    percent: Decimal | None = None
    amount: int | None = None  # kopecks
    line: int | None = None  # index into Basket.lines; None = whole receipt
    reason: str = ""
    approval_id: int | None = None
    product_id: int | None = None  # the line's product when it was given (binds the approval)

    def subject(self) -> dict[str, object]:
        """What its approval was given for."""
        return {
            "target": "receipt" if self.line is None else self.product_id,
            "percent": None if self.percent is None else str(self.percent),
            "amount": self.amount,
        }


@dataclass
class PriceOverride:
    """A line sold at a price other than the catalog's, by permission, with its approval."""

    line: int  # index into Basket.lines
    product_id: int
    unit_price: int  # kopecks per unit
    employee_id: int
    approval_id: int | None = None
    reason: str = ""

    def subject(self) -> dict[str, object]:
        return {"target": self.product_id, "unit_price": self.unit_price}


@dataclass
class Basket:
    lines: list[BasketLine] = field(default_factory=list)
    customer_id: int | None = None
    at: dt.datetime | None = None
    manual_discounts: list[ManualDiscount] = field(default_factory=list)
    overrides: list[PriceOverride] = field(default_factory=list)
    below_cost_approval: int | None = None  # a spent approval of the lines below cost
    bonus_redeem: int = 0  # bonuses the customer pays with (kopecks), asked before payment
    codes: list[str] = field(default_factory=list)  # promo codes, coupons scanned into it
    info: dict[str, object] = field(default_factory=dict)  # what steps found (card, tier...)

    @property
    def below_cost(self) -> int:
        """Kopecks under cost in all, after pricing (0 when every line covers its cost)."""
        return sum(line.below_cost for line in self.lines)

    def below_cost_subject(self) -> dict[str, object]:
        """What an approval of a sale below cost is given for: each short line and the sum."""
        return {
            "shortfall": self.below_cost,
            "lines": [[ln.product_id, ln.below_cost] for ln in self.lines if ln.below_cost],
        }

    @property
    def subtotal(self) -> int:
        return sum(line.subtotal for line in self.lines)

    @property
    def discount(self) -> int:
        return sum(line.discount for line in self.lines)

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines)

    def find_line(self, product_id: int, barcode: str = "") -> int | None:
        """The index of the line a repeated scan adds to (same product, not weighed)."""
        for i, line in enumerate(self.lines):
            if line.product_id == product_id and not line.weighed:
                return i
        return None
