"""Promotions issue: pre-orders, their lines at the price agreed, and hard reserves of goods
that arrived for them (migration 0013).

* ``preorder``: one order of a customer for goods to collect at a location, with its status
  (open -> reserved -> ready -> sold, or cancelled at any point before sold), its agreed total,
  the approval of its special prices and the receipt that finished it. The prepayment is not
  kept here: it is the pre-order's ``prepayment`` account on the one ledger (owner type
  ``preorder``, owner id the pre-order's id), see torgtui.marketing.preorder_money.
* ``preorder_line``: a product, a quantity and the unit price agreed (with the catalog's price
  at the time, for the record).
* ``preorder_reserve``: a quantity of a product held at a location for a pre-order (a "hard
  reserve": other sales cannot take it, see torgtui.catalog.stock.available). ``held`` until
  the pre-order is sold (``sold``) or cancelled (``released``).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import Location, Product
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt
from torgtui.models.staff import Approval, Employee


class Preorder(BaseModel):
    """A customer's order for goods not (all) in stock yet, at prices agreed in advance."""

    number = peewee.IntegerField(unique=True)  # what the customer is told: "PO-12"
    uuid = peewee.CharField(max_length=36, unique=True)  # made when the form opens: idempotency
    customer = peewee.ForeignKeyField(Customer, backref="preorders")
    location = peewee.ForeignKeyField(Location)  # where the goods are reserved and collected
    status = peewee.CharField(max_length=10, default="open")  # open reserved ready sold cancelled
    total = MoneyField()  # the lines at the prices agreed
    price_approval = peewee.ForeignKeyField(Approval, null=True)  # who agreed special prices
    receipt = peewee.ForeignKeyField(Receipt, null=True)  # the sale that finished it
    note = peewee.CharField(max_length=200, default="")
    employee = peewee.ForeignKeyField(Employee)  # who took the order
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("status", "id"), False),)  # the list of open pre-orders, newest first


class PreorderLine(BaseModel):
    """One product of a pre-order: how much, and at what unit price."""

    preorder = peewee.ForeignKeyField(Preorder, backref="lines", index=False)
    position = peewee.IntegerField()
    product = peewee.ForeignKeyField(Product)
    qty = QtyField()  # thousandths of the unit
    unit_price = MoneyField()  # agreed, kopecks per unit
    list_price = MoneyField()  # the catalog's price when it was agreed

    class Meta:
        indexes = ((("preorder", "position"), True),)


class PreorderReserve(BaseModel):
    """A hard reserve: ``qty`` of a product kept at a location for one pre-order line."""

    preorder = peewee.ForeignKeyField(Preorder, backref="reserves")
    line = peewee.ForeignKeyField(PreorderLine)
    product = peewee.ForeignKeyField(Product)
    location = peewee.ForeignKeyField(Location, index=False)
    qty = QtyField()
    status = peewee.CharField(max_length=10, default="held")  # held, sold, released
    employee = peewee.ForeignKeyField(Employee, null=True)
    created_at = peewee.DateTimeField()
    closed_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("location", "status", "product"), False),)  # what is held, where


MODELS: list[type[BaseModel]] = [Preorder, PreorderLine, PreorderReserve]
