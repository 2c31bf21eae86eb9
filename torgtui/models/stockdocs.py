"""Stock documents (issue 12.6): a goods receipt from a supplier (quantities and unit costs), a
stocktake (what was counted of a product group) and a write-off (with a reason). Each is
numbered, has lines, and goes draft -> posted (or cancelled) exactly once: posting writes its
stock movements (torgtui.catalog.stock) in the same transaction as the state change, decided by
a conditional UPDATE of ``state`` (torgtui.catalog.documents)."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import Location, Product, ProductGroup
from torgtui.models.staff import Employee

DOCUMENT_KINDS = ("receipt", "count", "writeoff")
DOCUMENT_STATES = ("draft", "posted", "cancelled")


class StockDocument(BaseModel):
    """One goods receipt, stocktake or write-off."""

    number = peewee.IntegerField(unique=True)  # one series for all kinds: "document 12"
    kind = peewee.CharField(max_length=10)  # receipt, count, writeoff
    state = peewee.CharField(max_length=10, default="draft")  # draft, posted, cancelled
    location = peewee.ForeignKeyField(Location)
    supplier = peewee.CharField(max_length=120, default="")  # receipt: who delivered
    invoice = peewee.CharField(max_length=40, default="")  # receipt: the supplier's invoice
    group = peewee.ForeignKeyField(ProductGroup, null=True)  # count: the group counted
    reason = peewee.CharField(max_length=200, default="")  # writeoff and count: why
    employee = peewee.ForeignKeyField(Employee)  # who made it
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    posted_by = peewee.ForeignKeyField(Employee, null=True)
    posted_at = peewee.DateTimeField(null=True)
    total_cost = MoneyField(default=0)  # receipt: the goods' cost; others: at the cost posted

    class Meta:
        indexes = ((("state", "id"), False),)


class StockDocumentLine(BaseModel):
    """A product on a document: received, counted or written off (one line per product)."""

    document = peewee.ForeignKeyField(StockDocument, backref="lines", index=False)
    product = peewee.ForeignKeyField(Product)
    qty = QtyField()  # thousandths: received, counted (may be 0) or written off
    unit_cost = MoneyField(default=0)  # receipt: the supplier's cost per unit, kopecks
    expected = QtyField(null=True)  # count: the stock on the books when posted
    posted_qty = QtyField(null=True)  # the movement posted for this line (signed)

    class Meta:
        indexes = ((("document", "product"), True),)


MODELS: list[type[BaseModel]] = [StockDocument, StockDocumentLine]
