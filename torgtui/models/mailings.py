"""Mailings (migration 0019): a mailing to a segment of the customer base, and its recipients.

* ``mailing``: its name, the template ``kind`` it sends, the channels (``sms``, ``viber`` with
  ``sms_fallback``: Viber first, SMS when Viber cannot; ``email``), the segment and the
  exclusions as JSON (torgtui.marketing.mailings reads them), the holdout percentage (in basis
  points: 1000 = 10 %), when to send, its state (draft, scheduled, preparing, sending, paused,
  cancelled, done), how far preparing got (``prepared_upto``: the last customer id walked, so a
  crash resumes there), the counts and who made it.
* ``mailing_recipient``: one row per (mailing, customer) the segment found: ``grp`` says whether
  the customer was sent to (``sent``), kept back as the holdout (``holdout``) or skipped
  (``skipped``, with the reason: an invalid phone or e-mail, no contact, opted out, mailed
  lately); ``outbox_id`` the first outbox row written for them.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.customers import Customer
from torgtui.models.staff import Employee

STATES = ("draft", "scheduled", "preparing", "sending", "paused", "cancelled", "done")
GROUPS = ("sent", "holdout", "skipped")


class Mailing(BaseModel):
    name = peewee.CharField(max_length=120)
    kind = peewee.CharField(max_length=80)  # the template's kind: mailing:<name>, birthday ...
    channels = peewee.CharField(max_length=40, default="sms")  # comma-separated, in order
    sms_fallback = peewee.BooleanField(default=True)  # Viber: an SMS when Viber cannot
    segment = peewee.TextField(default="{}")  # JSON: the conditions, all of them (AND)
    exclusions = peewee.TextField(default="{}")  # JSON: the rules that keep customers out
    variables = peewee.TextField(default="{}")  # JSON: the mailing's own (link, promo_code)
    holdout_bp = peewee.IntegerField(default=0)  # the holdout, basis points of the audience
    send_at = peewee.DateTimeField(null=True)  # None: now
    state = peewee.CharField(max_length=12, default="draft", index=True)
    prepared_upto = peewee.IntegerField(default=0)  # the last customer id prepared
    audience = peewee.IntegerField(default=0)  # customers the segment found (walked so far)
    sent_count = peewee.IntegerField(default=0)  # recipients written to the outbox
    holdout_count = peewee.IntegerField(default=0)
    skipped_count = peewee.IntegerField(default=0)
    messages = peewee.IntegerField(default=0)  # outbox rows written (a row per channel)
    note = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField()
    created_by = peewee.ForeignKeyField(Employee, null=True)
    started_at = peewee.DateTimeField(null=True)  # preparing began
    prepared_at = peewee.DateTimeField(null=True)  # every row written: the sender has it
    finished_at = peewee.DateTimeField(null=True)  # done or cancelled
    updated_at = peewee.DateTimeField()


class MailingRecipient(BaseModel):
    mailing = peewee.ForeignKeyField(Mailing, backref="recipients", index=False)
    customer = peewee.ForeignKeyField(Customer, backref="mailings")
    grp = peewee.CharField(max_length=8)  # sent, holdout, skipped
    reason = peewee.CharField(max_length=20, default="")  # skipped: why
    outbox_id = peewee.IntegerField(null=True)  # the first outbox row written for them

    class Meta:
        indexes = (
            (("mailing", "customer"), True),
            (("mailing", "grp"), False),
        )


MODELS: list[type[BaseModel]] = [Mailing, MailingRecipient]
