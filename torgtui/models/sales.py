"""Shifts, receipts (sales and returns), their lines, price adjustments and payments."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import Location, Product
from torgtui.models.customers import Customer
from torgtui.models.staff import Employee


class Shift(BaseModel):
    location = peewee.ForeignKeyField(Location)
    register = peewee.CharField(max_length=40)  # terminal name
    employee = peewee.ForeignKeyField(Employee, backref="shifts")
    opened_at = peewee.DateTimeField()
    closed_at = peewee.DateTimeField(null=True)
    opening_float = MoneyField(default=0)
    status = peewee.CharField(max_length=10, default="open")  # open, closed
    closing_cash = MoneyField(null=True)  # counted cash at close
    z_report = peewee.TextField(null=True)  # JSON totals frozen at close


class Receipt(BaseModel):
    uuid = peewee.CharField(max_length=36, unique=True)  # idempotency key, also the fiscal id
    number = peewee.IntegerField()
    kind = peewee.CharField(max_length=10, default="sale")  # sale, return
    status = peewee.CharField(max_length=10, default="closed")  # open, held, closed, cancelled
    location = peewee.ForeignKeyField(Location)
    shift = peewee.ForeignKeyField(Shift, null=True, backref="receipts")
    employee = peewee.ForeignKeyField(Employee, backref="receipts")
    customer = peewee.ForeignKeyField(Customer, null=True, backref="receipts")
    original = peewee.ForeignKeyField("self", null=True, backref="returns")
    created_at = peewee.DateTimeField(index=True)
    closed_at = peewee.DateTimeField(null=True)
    subtotal = MoneyField(default=0)
    discount = MoneyField(default=0)
    total = MoneyField(default=0)
    rounding = MoneyField(default=0)  # cash rounding: paid = total + rounding
    fiscal_status = peewee.CharField(max_length=12, default="")  # "", pending, done, error
    fiscal_code = peewee.CharField(max_length=80, default="")  # fiscal number from the unit
    print_status = peewee.CharField(max_length=12, default="")  # "", printed, failed
    info = peewee.TextField(default="")  # migration 0007: JSON of loyalty facts for the print

    class Meta:
        indexes = ((("location", "number"), True),)


class ReceiptCounter(BaseModel):
    """The last receipt number given at a location (migration 0006). Taken with one
    ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` as late in a commit as possible, so on
    PostgreSQL registers queue on it only for the last statements of their transaction."""

    location = peewee.ForeignKeyField(Location, primary_key=True)
    last_number = peewee.BigIntegerField()


class ReceiptLine(BaseModel):
    receipt = peewee.ForeignKeyField(Receipt, backref="lines", on_delete="CASCADE")
    position = peewee.IntegerField()
    product = peewee.ForeignKeyField(Product, backref="receipt_lines")
    barcode = peewee.CharField(max_length=40, default="")
    name = peewee.CharField(max_length=200)  # as sold
    qty = QtyField()
    unit_price = MoneyField()
    unit_cost = MoneyField(default=0)
    subtotal = MoneyField()  # qty x unit_price, rounded
    discount = MoneyField(default=0)  # sum of adjustments (positive = money off)
    total = MoneyField()
    original_line = peewee.ForeignKeyField("self", null=True, backref="returned_by")
    bonus_earned = MoneyField(default=0)  # migration 0007: bonuses this line earned


class LineAdjustment(BaseModel):
    """Why a line's price changed: which pricing step, which rule, who."""

    line = peewee.ForeignKeyField(ReceiptLine, backref="adjustments", on_delete="CASCADE")
    step = peewee.CharField(max_length=40)
    rule = peewee.CharField(max_length=60, default="")
    reason = peewee.CharField(max_length=200, default="")
    amount = MoneyField()  # money off this line (positive) or extra charge (negative)
    employee = peewee.ForeignKeyField(Employee, null=True)


class Payment(BaseModel):
    receipt = peewee.ForeignKeyField(Receipt, backref="payments", on_delete="CASCADE")
    tender = peewee.CharField(max_length=20)  # cash, card, cashless (later: certificate, bonus)
    amount = MoneyField()  # what this tender pays of the receipt
    tendered = MoneyField(default=0)  # cash handed over (amount + change)


class Draft(BaseModel):
    """An open or held receipt, saved at every change so no sale is lost to a crash or a lost
    SSH link; it belongs to the employee, not the terminal. Its uuid becomes the receipt's."""

    uuid = peewee.CharField(max_length=36, unique=True)
    employee = peewee.ForeignKeyField(Employee, backref="drafts")
    register = peewee.CharField(max_length=40)
    status = peewee.CharField(max_length=10, default="open")  # open, held
    data = peewee.TextField()  # JSON of the basket
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class FiscalJob(BaseModel):
    """One thing to tell the fiscal unit, in order, exactly once (the persistent queue)."""

    kind = peewee.CharField(max_length=20)  # sale, return, cash_in, cash_out, open/close shift
    receipt = peewee.ForeignKeyField(Receipt, null=True, unique=True, backref="fiscal_jobs")
    shift = peewee.ForeignKeyField(Shift, null=True, backref="fiscal_jobs")
    payload = peewee.TextField(default="{}")  # JSON for non-receipt jobs
    status = peewee.CharField(max_length=12, default="pending", index=True)
    attempts = peewee.IntegerField(default=0)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    next_try_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    remote_id = peewee.CharField(max_length=64, default="")
    fiscal_code = peewee.CharField(max_length=80, default="")


class CashMovement(BaseModel):
    """Cash put into or taken out of the drawer outside sales (float, cash in, cash out)."""

    shift = peewee.ForeignKeyField(Shift, backref="cash_movements")
    kind = peewee.CharField(max_length=10)  # float, in, out
    amount = MoneyField()  # positive; "out" takes it away
    employee = peewee.ForeignKeyField(Employee, null=True)
    at = peewee.DateTimeField()
    note = peewee.CharField(max_length=200, default="")
