"""Promotions issue: cost recalculation documents after promotions (migration 0014).

After a mass promotion a supplier often pays back part of the price (so much per unit, or a
percentage of the cost): the goods sold in it cost the shop less than the receipt lines say,
and the net profit of those receipts is only right once that is written down. A
``cost_document`` is that decision, and its ``cost_line`` rows say by how much the unit cost of
each receipt line sold in the promotion changes (negative: the cost went down). Both tables are
append-only (the database refuses updates and deletes, as for the ledgers): a document is
undone by a reversing document (``kind`` "reversal", ``reverses`` the one undone, its lines the
opposite changes), never by an edit; the unique index on ``reverses`` lets a document be
reversed only once. A line's effective unit cost is its ``unit_cost`` plus the sum of its
changes (torgtui.marketing.costs, which reports use).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.promotions import Promotion
from torgtui.models.sales import ReceiptLine
from torgtui.models.staff import Employee


class CostDocument(BaseModel):
    """One recalculation of the cost of goods sold in a promotion, or its reversal."""

    number = peewee.IntegerField(unique=True)  # what people call it: "cost document 3"
    kind = peewee.CharField(max_length=10)  # recalc, reversal
    promotion = peewee.ForeignKeyField(Promotion, null=True)  # the goods sold in it
    basis = peewee.CharField(max_length=10)  # per_unit (kopecks off each unit) or percent
    amount = MoneyField(default=0)  # per_unit: kopecks off the cost of each unit
    percent_bp = peewee.IntegerField(default=0)  # percent: basis points of the unit cost
    first_day = peewee.DateField(null=True)  # the receipts' days it covers (inclusive)
    last_day = peewee.DateField(null=True)
    products = peewee.TextField(default="")  # JSON list of product ids it was limited to
    note = peewee.CharField(max_length=200, default="")  # the agreement, the supplier
    reverses = peewee.ForeignKeyField("self", null=True, unique=True)  # undone by this one
    lines_count = peewee.IntegerField(default=0)
    total = MoneyField(default=0)  # the change of the cost of the goods sold, kopecks
    employee = peewee.ForeignKeyField(Employee, null=True)
    created_at = peewee.DateTimeField()


class CostLine(BaseModel):
    """The change of one receipt line's unit cost by one document."""

    document = peewee.ForeignKeyField(CostDocument, backref="lines", index=False)
    line = peewee.ForeignKeyField(ReceiptLine)  # a sale line (its returns follow it)
    unit_change = MoneyField()  # kopecks per unit; negative: the cost went down
    change = MoneyField()  # the line's cost change for its quantity sold, kopecks

    class Meta:
        indexes = ((("document", "line"), True),)


MODELS: list[type[BaseModel]] = [CostDocument, CostLine]
