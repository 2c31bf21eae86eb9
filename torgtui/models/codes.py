"""Promo codes, coupons and control barcodes (migration 0011; the service is
torgtui.marketing.codes, the register's side torgtui.marketing.codes_sale).

* ``code_batch``: the rule (its ``code`` is the rule's id in the rules file): the promotion it
  activates, the acquisition channel (free text: "flyer", "Instagram", a partner's name), how
  its codes look (``random``: letters and digits without 0/O, 1/I/L; ``ean13``: an in-store
  EAN-13 in the shop's promo range; ``given``: one code the shop chose, like SPRING25), uses
  per code, a per-customer limit, validity dates, whether each code is issued to a customer,
  blocked or not; ``code_batch_location`` the locations it is valid at (none: everywhere).
* ``promo_code``: one code, unique; ``used`` is how many of its uses are taken now (a sale
  takes one with a conditional ``UPDATE ... WHERE used < uses_per_code`` whose row count
  decides; a whole return gives it back).
* ``promo_code_use``: one row per use, with its receipt. ``slot`` numbers the code's uses in
  force (1..used) and is unique per code, and a receipt uses a code once: so even a mistake in
  the service could not put two receipts on one single-use code. A use given back keeps its row
  (``returned_at``, the return receipt) and frees its slot.
* ``promo_customer_use``: how many uses of a batch a customer has in force, for the per-customer
  limit (a conditional upsert whose row count decides, as for the code).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.catalog import Location
from torgtui.models.customers import Customer
from torgtui.models.promotions import Promotion
from torgtui.models.sales import Receipt
from torgtui.models.staff import Employee

STYLES = ("random", "ean13", "given")


class CodeBatch(BaseModel):
    """A batch of codes that activates one promotion, from one acquisition channel."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id
    name = peewee.CharField(max_length=120)
    promotion = peewee.ForeignKeyField(Promotion, backref="code_batches")
    channel = peewee.CharField(max_length=60, default="")  # flyer, Instagram, a partner ...
    style = peewee.CharField(max_length=10)  # random, ean13, given
    prefix = peewee.CharField(max_length=12, default="")  # random: letters; ean13: digits
    length = peewee.IntegerField(default=0)  # random: characters after the prefix
    uses_per_code = peewee.IntegerField(default=1)
    per_customer = peewee.IntegerField(default=0)  # uses of the batch per customer; 0: no limit
    personal = peewee.BooleanField(default=False)  # each code is issued to one customer
    valid_from = peewee.DateField(null=True)  # first day (inclusive); None: from the start
    valid_until = peewee.DateField(null=True)  # last day (inclusive); None: no end
    blocked = peewee.BooleanField(default=False)
    note = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    created_by = peewee.ForeignKeyField(Employee, null=True)

    class Meta:
        indexes = ((("channel", "id"), False),)


class CodeBatchLocation(BaseModel):
    """A location a batch is valid at (a batch without rows is valid everywhere)."""

    batch = peewee.ForeignKeyField(
        CodeBatch, backref="location_rows", on_delete="CASCADE", index=False
    )
    location = peewee.ForeignKeyField(Location)

    class Meta:
        primary_key = peewee.CompositeKey("batch", "location")


class PromoCode(BaseModel):
    """One code of a batch."""

    batch = peewee.ForeignKeyField(CodeBatch, backref="codes", index=False)  # leads (batch, id)
    code = peewee.CharField(max_length=40, unique=True)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="promo_codes")  # issued to
    used = peewee.IntegerField(default=0)  # uses in force now, 0..batch.uses_per_code
    blocked = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("batch", "id"), False),)


class PromoCodeUse(BaseModel):
    """One use of a code by a sale receipt; given back by a return of the whole receipt."""

    code = peewee.ForeignKeyField(PromoCode, backref="uses", index=False)  # leads the uniques
    batch = peewee.ForeignKeyField(CodeBatch, index=False)  # leads (batch, used_at)
    receipt = peewee.ForeignKeyField(Receipt, backref="code_uses")
    customer = peewee.ForeignKeyField(Customer, null=True)
    slot = peewee.IntegerField(null=True)  # 1..uses_per_code while in force; None once given back
    used_at = peewee.DateTimeField()
    returned_at = peewee.DateTimeField(null=True)
    return_receipt = peewee.ForeignKeyField(Receipt, null=True, backref="code_returns")

    class Meta:
        indexes = (
            (("code", "slot"), True),
            (("code", "receipt"), True),
            (("batch", "used_at"), False),
        )


class PromoCustomerUse(BaseModel):
    """Uses in force of one batch by one customer (the per-customer limit's counter)."""

    batch = peewee.ForeignKeyField(CodeBatch, on_delete="CASCADE", index=False)
    customer = peewee.ForeignKeyField(Customer)
    used = peewee.IntegerField(default=0)

    class Meta:
        primary_key = peewee.CompositeKey("batch", "customer")


MODELS: list[type[BaseModel]] = [
    CodeBatch,
    CodeBatchLocation,
    PromoCode,
    PromoCodeUse,
    PromoCustomerUse,
]
