"""SMS verification (migration 0017): one row per code sent to a customer's phone.

A code proves that the person at the register holds the phone: to attach a card by phone
(``identify``), to pay with bonuses (``bonus``) or, later, to use a certificate
(``certificate``). The code itself is never stored: only a salted SHA-256 of it
(torgtui.channels.verification says why that is not enough alone, and what else guards it).
At most one code per purpose and receipt is live: ``live_key`` holds "purpose:receipt" while
the row is live and NULL after, under a unique index (NULLs never collide).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.customers import Customer
from torgtui.models.staff import Employee


class VerificationCode(BaseModel):
    purpose = peewee.CharField(max_length=12)  # identify, bonus, certificate
    receipt_uuid = peewee.CharField(max_length=64)  # the register's open receipt (its draft)
    phone = peewee.CharField(max_length=20)  # E.164, where the code went
    customer = peewee.ForeignKeyField(Customer, null=True, backref="verifications")
    amount = MoneyField(default=0)  # bonus: at most this much may be spent with it (kopecks)
    salt = peewee.CharField(max_length=32)
    code_hash = peewee.CharField(max_length=64)  # sha256(salt + code), hex
    length = peewee.IntegerField()  # digits in the code
    state = peewee.CharField(max_length=10, default="live")  # see verification.State
    live_key = peewee.CharField(max_length=90, null=True, unique=True)
    attempts = peewee.IntegerField(default=0)  # wrong codes typed
    max_attempts = peewee.IntegerField()
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField()
    resend_after = peewee.DateTimeField()  # no new code for this purpose and receipt before
    used_at = peewee.DateTimeField(null=True)  # verified (or skipped) at
    employee = peewee.ForeignKeyField(Employee, null=True)  # who asked for it
    approval_id = peewee.IntegerField(null=True)  # skipped: the senior's spent approval
    outbox_id = peewee.IntegerField(null=True)  # the message that carries it

    class Meta:
        table_name = "verification_code"
        indexes = ((("receipt_uuid", "purpose"), False),)


MODELS: list[type[BaseModel]] = [VerificationCode]
