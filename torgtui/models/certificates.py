"""Gift certificates (migration 0020; the service is torgtui.marketing.certificates, the
register's side torgtui.marketing.certificates_sale).

* ``certificate_type``: the rule (its ``code`` is the rule's id in the rules file). ``mode``:
  ``money`` (the face value is spent as a tender, at once or in parts: ``partial``),
  ``product`` (a stocked catalog good; exchanged once for goods worth its face value) or
  ``discount`` (a deferred discount: ``discount_percent`` or ``discount_amount`` off a later
  purchase of at least ``min_total``). Every type is sold through its catalog ``product``
  (money: a non-stock article priced at the face value; product: the good itself; discount:
  an article at the certificate's price). Numbering: an EAN-13 range of the shop's own
  (``prefix``, ``range_from``..``range_to``, the counter ``next_number``). Validity:
  ``valid_days`` from the sale, or ``valid_until`` (a fixed last day), or both (the earlier).
  ``template``: the print template's name.
* ``certificate_batch``: N certificates issued at once (status ``issued``).
* ``certificate``: one *life* of a barcode. Reissue after use starts a new life: a new row,
  ``generation`` + 1, ``previous`` the old life (whose status becomes ``reissued``); the
  barcode is unique per generation. The value of a money or product certificate is its own
  account on the one ledger (kind ``certificate``, owner ``certificate``/id): the balance is
  never a column here.
* ``certificate_use``: one use by a receipt (``kind`` pay | discount) or one giving back by a
  return (``kind`` back, negative ``amount``). ``slot`` is 1 on the use in force of a one-time
  certificate and unique per certificate, so even a mistake in the service could not put two
  receipts on one single-use certificate; a use given back frees its slot (None).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import Product
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt
from torgtui.models.staff import Employee

MODES = ("money", "product", "discount")
STATUSES = ("issued", "sold", "used", "expired", "blocked", "reissued")


class CertificateType(BaseModel):
    """A kind of gift certificate: its mode, value, numbering, validity and template."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id
    name = peewee.CharField(max_length=120)
    mode = peewee.CharField(max_length=10)  # money, product, discount
    product = peewee.ForeignKeyField(Product, null=True, backref="certificate_types")
    face_value = MoneyField(default=0)  # money/product: what it pays for
    partial = peewee.BooleanField(default=False)  # money: may be spent in parts
    discount_percent = peewee.DecimalField(max_digits=5, decimal_places=2, null=True)
    discount_amount = MoneyField(default=0)  # discount mode: money off (when no percent)
    min_total = MoneyField(default=0)  # discount mode: the least receipt it applies to
    prefix = peewee.CharField(max_length=12)  # EAN-13 digits
    range_from = peewee.BigIntegerField(default=1)
    range_to = peewee.BigIntegerField(default=0)  # 0: as far as the prefix leaves room
    next_number = peewee.BigIntegerField(default=0)  # the numbering's counter
    valid_days = peewee.IntegerField(default=0)  # days from the sale; 0: not limited so
    valid_until = peewee.DateField(null=True)  # the last day, for all; None: no fixed end
    template = peewee.CharField(max_length=60, default="")  # print template's name
    active = peewee.BooleanField(default=True)
    note = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    created_by = peewee.ForeignKeyField(Employee, null=True)


class CertificateBatch(BaseModel):
    """Certificates issued (numbered, printed) at once."""

    type = peewee.ForeignKeyField(CertificateType, backref="batches")
    count = peewee.IntegerField()
    first_barcode = peewee.CharField(max_length=40, default="")
    last_barcode = peewee.CharField(max_length=40, default="")
    note = peewee.CharField(max_length=200, default="")
    issued_at = peewee.DateTimeField()
    issued_by = peewee.ForeignKeyField(Employee, null=True)


class Certificate(BaseModel):
    """One life of a certificate's barcode."""

    type = peewee.ForeignKeyField(CertificateType, backref="certificates", index=False)
    batch = peewee.ForeignKeyField(CertificateBatch, null=True, backref="certificates")
    barcode = peewee.CharField(max_length=40)
    generation = peewee.IntegerField(default=1)
    previous = peewee.ForeignKeyField("self", null=True, backref="next_lives")
    status = peewee.CharField(max_length=10, default="issued")  # see STATUSES
    value = MoneyField(default=0)  # face value of this life (money/product)
    customer = peewee.ForeignKeyField(Customer, null=True, backref="certificates")
    issued_at = peewee.DateTimeField()
    issued_by = peewee.ForeignKeyField(Employee, null=True, backref="+")
    sold_at = peewee.DateTimeField(null=True)
    sale_receipt = peewee.ForeignKeyField(Receipt, null=True, backref="certificates_sold")
    expires_at = peewee.DateTimeField(null=True)  # the first moment it is no longer valid
    used_at = peewee.DateTimeField(null=True)  # spent whole (or redeemed once)
    blocked_at = peewee.DateTimeField(null=True)
    blocked_by = peewee.ForeignKeyField(Employee, null=True, backref="+")
    block_reason = peewee.CharField(max_length=200, default="")
    status_before_block = peewee.CharField(max_length=10, default="")

    class Meta:
        indexes = (
            (("barcode", "generation"), True),
            (("type", "status"), False),
        )


class CertificateUse(BaseModel):
    """One use of a certificate by a sale (pay, discount) or a giving back by a return."""

    certificate = peewee.ForeignKeyField(Certificate, backref="uses", index=False)
    receipt = peewee.ForeignKeyField(Receipt, backref="certificate_uses")
    kind = peewee.CharField(max_length=10)  # pay, discount, back
    amount = MoneyField()  # what it paid (or took off); negative: given back
    slot = peewee.IntegerField(null=True)  # 1 on a one-time use in force
    ledger_entry_id = peewee.BigIntegerField(null=True)
    at = peewee.DateTimeField(index=True)
    employee = peewee.ForeignKeyField(Employee, null=True, backref="+")

    class Meta:
        indexes = (
            (("certificate", "slot"), True),
            (("certificate", "at"), False),
        )


MODELS: list[type[BaseModel]] = [CertificateType, CertificateBatch, Certificate, CertificateUse]
