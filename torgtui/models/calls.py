"""Telephony (migration 0018): the call journal filled from Binotel (its apiCallCompleted
webhook, or the polling fallback), one row per call.

* ``phone_call``: a call in or out, keyed by Binotel's ``generalCallID`` (unique, so the
  webhook's retries and the polling fallback never store a call twice), with the customer
  whose card has the number, the internal line and employee who took or made it, when it
  started, the seconds waited and talked, and how it ended. A missed incoming call is to be
  called back (``callback`` "due") until someone does (``done``, by whom and when).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.customers import Customer
from torgtui.models.staff import Employee


class PhoneCall(BaseModel):
    """One call of the shop's telephony, as Binotel reported it."""

    general_call_id = peewee.CharField(max_length=40, unique=True)  # Binotel's generalCallID
    direction = peewee.CharField(max_length=3)  # in, out
    external_number = peewee.CharField(max_length=20)  # the customer's side, E.164
    customer = peewee.ForeignKeyField(Customer, null=True, backref="calls", on_delete="SET NULL")
    internal_number = peewee.CharField(max_length=40, default="")  # the line or group
    employee_name = peewee.CharField(max_length=200, default="")  # Binotel's employee
    started_at = peewee.DateTimeField()
    wait_seconds = peewee.IntegerField(default=0)
    talk_seconds = peewee.IntegerField(default=0)
    # answered, missed, busy, cancelled, failed, voicemail, or Binotel's word lower-cased
    disposition = peewee.CharField(max_length=20)
    callback = peewee.CharField(max_length=4, default="")  # "", due, done
    callback_by = peewee.ForeignKeyField(Employee, null=True)  # None: a later call did it
    callback_at = peewee.DateTimeField(null=True)
    source = peewee.CharField(max_length=4)  # hook, poll
    received_at = peewee.DateTimeField()

    class Meta:
        table_name = "phone_call"
        indexes = (
            (("started_at", "id"), False),  # the journal, newest first
            (("callback", "started_at"), False),  # the missed calls to call back
            (("external_number", "started_at"), False),  # a number's calls
        )


MODELS = [PhoneCall]
