"""Sales invoices ("Trade with invoice issuance", migration 0023).

* ``invoice``: a sale to a wholesale customer or an intermediary's customer, written through
  the register's own checkout: ``receipt`` is the sale it made (lines, payments, stock
  movements, every sale hook), so the invoice adds only what a receipt does not have: its
  number in the year (``year`` + ``number``, no gaps: taken in the sale's transaction from
  ``invoice_counter``), the intermediary (``partner``), how it is paid (``now`` or ``later``
  on the customer's account on the ledger), the delivery address as it was when shipped
  (a copy: the customer may edit the history later) and the Nova Poshta waybill.
* ``invoice_counter``: the last number given in a year.

What is still owed is not kept here: it is the receipt's open charges on the customer's VIP
account (torgtui.marketing.vip_checkout), see torgtui.marketing.invoices.owed.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import Location
from torgtui.models.customers import Customer, DeliveryAddress
from torgtui.models.partners import Partner
from torgtui.models.sales import Receipt
from torgtui.models.staff import Employee


class Invoice(BaseModel):
    """One sales invoice: the receipt it was sold as, its number in the year, and shipping."""

    year = peewee.IntegerField()
    number = peewee.IntegerField()  # 1, 2, ... in the year, no gaps
    uuid = peewee.CharField(max_length=36, unique=True)  # the receipt's: idempotency
    receipt = peewee.ForeignKeyField(Receipt, unique=True, backref="invoices")
    customer = peewee.ForeignKeyField(Customer, backref="invoices")
    partner = peewee.ForeignKeyField(Partner, null=True)  # "customer through intermediary"
    location = peewee.ForeignKeyField(Location)
    payment = peewee.CharField(max_length=10)  # now, later
    fiscal = peewee.BooleanField(default=False)  # sent to the fiscal unit (see docs/invoices.md)
    total = MoneyField()
    due_at = peewee.DateTimeField(null=True)  # payment later: when it is due
    note = peewee.CharField(max_length=200, default="")
    # delivery: the address picked from the customer's history, copied as it was
    address = peewee.ForeignKeyField(DeliveryAddress, null=True, on_delete="SET NULL")
    carrier = peewee.CharField(max_length=12, default="")  # nova_poshta, ukrposhta, street, ""
    city = peewee.CharField(max_length=120, default="")
    branch = peewee.CharField(max_length=200, default="")
    street = peewee.CharField(max_length=250, default="")
    recipient = peewee.CharField(max_length=200, default="")
    phone = peewee.CharField(max_length=20, default="")
    # the Nova Poshta waybill: "" until made; "creating" while one call is making it
    waybill = peewee.CharField(max_length=20, default="")
    waybill_ref = peewee.CharField(max_length=36, default="")
    waybill_cost = MoneyField(default=0)  # the delivery cost Nova Poshta quoted
    waybill_state = peewee.CharField(max_length=10, default="")  # "", creating, done
    waybill_at = peewee.DateTimeField(null=True)  # when made, or when the claim was taken
    employee = peewee.ForeignKeyField(Employee)
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = (
            (("year", "number"), True),
            (("customer", "id"), False),
        )


class InvoiceCounter(BaseModel):
    """The last invoice number given in a year (one upsert in the sale's transaction)."""

    year = peewee.IntegerField(primary_key=True)
    last_number = peewee.IntegerField()


MODELS = [Invoice, InvoiceCounter]
