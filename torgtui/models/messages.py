"""Communications (migration 0015): the customer's consent per channel and the stop-list.

Marketing goes to a customer only on a channel they agreed to (``customer_consent``, one row
per customer and channel, with when and how it was given or withdrawn) and never while they are
on the stop-list (``stop_list``: an opt-out with its reason; lifting it keeps the row, with
``lifted_at``). The outbox rows themselves are torgtui.models.loyalty.OutboxMessage.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.customers import Customer
from torgtui.models.staff import Employee


class CustomerConsent(BaseModel):
    """Whether a customer agreed to marketing on one channel (sms, viber, email)."""

    customer = peewee.ForeignKeyField(Customer, backref="consents", on_delete="CASCADE")
    channel = peewee.CharField(max_length=10)
    granted = peewee.BooleanField()
    at = peewee.DateTimeField()  # when it was given (or withdrawn)
    how = peewee.CharField(max_length=20, default="")  # card, questionnaire, import, reply ...
    employee = peewee.ForeignKeyField(Employee, null=True)

    class Meta:
        indexes = ((("customer", "channel"), True),)


class StopListEntry(BaseModel):
    """An opt-out: the customer (or an address nobody's card has) gets no marketing."""

    customer = peewee.ForeignKeyField(Customer, null=True, backref="stops", on_delete="CASCADE")
    address = peewee.CharField(max_length=200, default="", index=True)  # phone or e-mail
    reason = peewee.CharField(max_length=200, default="")
    at = peewee.DateTimeField()
    employee = peewee.ForeignKeyField(Employee, null=True)
    lifted_at = peewee.DateTimeField(null=True)  # opted in again

    class Meta:
        table_name = "stop_list"


MODELS: list[type[BaseModel]] = [CustomerConsent, StopListEntry]
