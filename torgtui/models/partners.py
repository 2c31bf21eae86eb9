"""Partners (migration 0022): referrers who bring customers and intermediaries (dealers,
agents) who resell or bring buyers for a commission (seed 004, seed 000 section 6).

* ``partner``: a referrer (a stylist, a blogger, a related shop) or an intermediary, with a
  short ``code`` (what promotions and mailings name it by) and, optionally, the partner's own
  customer card (an intermediary buying goods to resell is sold to on that card).
* ``partner_employee``: a person at the partner's who brings customers.
* ``partner_rate``: a percentage of a partner by product group (no group: everything else):
  ``commission`` (paid to an intermediary on its customers' purchases) or ``discount`` (an
  intermediary buying for resale on its own card).
* ``customer_partner``: which partner (and employee) brought a customer; one per customer.
* ``partner_sale``: a receipt credited to a partner, as ``attracted`` (the customer is the
  partner's) or ``intermediary`` (a sale through the intermediary: a commission is due), with
  its commission per line in ``partner_sale_line`` so a return reverses exactly its share.
* ``partner_code_batch``: a promo code batch that is a partner's (a blogger's code): a sale
  with one of its codes links the customer to the partner.

Money owed to a partner is not kept here: it is the partner's account on the one ledger
(``partner`` for referrers' one-time payments, ``intermediary`` for goods, payments and
commissions), see torgtui.marketing.partners_money.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import ProductGroup
from torgtui.models.codes import CodeBatch
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt, ReceiptLine
from torgtui.models.staff import Employee

KINDS = ("referrer", "intermediary")
RATE_KINDS = ("commission", "discount")
ROLES = ("attracted", "intermediary")


class Partner(BaseModel):
    """A referrer or an intermediary."""

    code = peewee.CharField(max_length=40, unique=True)  # "STYLIST-OLHA": rules name it so
    kind = peewee.CharField(max_length=12)  # referrer, intermediary
    name = peewee.CharField(max_length=200)
    phone = peewee.CharField(max_length=20, default="")  # E.164 or ""
    note = peewee.CharField(max_length=200, default="")
    active = peewee.BooleanField(default=True)
    customer = peewee.ForeignKeyField(Customer, null=True)  # the partner's own card
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("kind", "name"), False),)


class PartnerEmployee(BaseModel):
    """A person at a partner's who brings customers."""

    partner = peewee.ForeignKeyField(Partner, backref="employees")
    name = peewee.CharField(max_length=200)
    phone = peewee.CharField(max_length=20, default="")
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()


class PartnerRate(BaseModel):
    """A partner's percentage (basis points) for a product group, or for all (no group)."""

    partner = peewee.ForeignKeyField(Partner, backref="rates", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12)  # commission, discount
    group = peewee.ForeignKeyField(ProductGroup, null=True)
    percent_bp = peewee.IntegerField()  # 5% = 500; at most 100%

    class Meta:
        indexes = ((("partner", "kind", "group"), True),)


class CustomerPartner(BaseModel):
    """Who brought a customer: one partner (and maybe one of its employees)."""

    customer = peewee.ForeignKeyField(Customer, unique=True, backref="partner_links")
    partner = peewee.ForeignKeyField(Partner, backref="customers")
    partner_employee = peewee.ForeignKeyField(PartnerEmployee, null=True)
    source = peewee.CharField(max_length=10)  # card (by hand), code (a partner's promo code)
    linked_at = peewee.DateTimeField()
    linked_by = peewee.ForeignKeyField(Employee, null=True)


class PartnerSale(BaseModel):
    """A receipt credited to a partner (attracted customer, or a sale through it)."""

    receipt = peewee.ForeignKeyField(Receipt, backref="partner_sales")
    partner = peewee.ForeignKeyField(Partner, backref="sales")
    partner_employee = peewee.ForeignKeyField(PartnerEmployee, null=True)
    role = peewee.CharField(max_length=12)  # attracted, intermediary
    customer = peewee.ForeignKeyField(Customer, null=True)
    total = MoneyField()  # the receipt's total
    commission = MoneyField(default=0)  # due to an intermediary for this receipt
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("receipt", "role"), True), (("partner", "created_at"), False))


class PartnerSaleLine(BaseModel):
    """One receipt line's commission: what a return of it takes back pro rata."""

    sale = peewee.ForeignKeyField(PartnerSale, backref="lines", on_delete="CASCADE")
    line = peewee.ForeignKeyField(ReceiptLine)
    percent_bp = peewee.IntegerField()
    commission = MoneyField()


class PartnerCodeBatch(BaseModel):
    """A promo code batch that is a partner's: its codes link the customer to the partner."""

    batch = peewee.ForeignKeyField(CodeBatch, unique=True)
    partner = peewee.ForeignKeyField(Partner, backref="code_batches")
    partner_employee = peewee.ForeignKeyField(PartnerEmployee, null=True)


MODELS: list[type[BaseModel]] = [
    Partner,
    PartnerEmployee,
    PartnerRate,
    CustomerPartner,
    PartnerSale,
    PartnerSaleLine,
    PartnerCodeBatch,
]
