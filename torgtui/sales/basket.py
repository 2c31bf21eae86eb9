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
    """A discount the cashier typed: on one line (``line`` index) or the whole receipt."""

    employee_id: int
    percent: Decimal | None = None
    amount: int | None = None  # kopecks
    line: int | None = None  # index into Basket.lines; None = whole receipt
    reason: str = ""


@dataclass
class Basket:
    lines: list[BasketLine] = field(default_factory=list)
    customer_id: int | None = None
    at: dt.datetime | None = None
    manual_discounts: list[ManualDiscount] = field(default_factory=list)

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
