"""Loyalty: the one ledger every balance lives on (bonuses, VIP accounts, later certificates,
partners), card types with their thresholds, group rates and accelerators, the message outbox
and the role permissions the owner changed.

The ledger is append-only (``ledger_entry``, ``ledger_match``: triggers refuse edits);
``ledger_account.balance`` and ``ledger_open`` are caches kept in the same transaction as the
entries, and torgtui.marketing.ledger.check_account proves them against the entries.
Percentages are stored as basis points (hundredths of a percent: 3% = 300), never as floats.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import Product, ProductGroup
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt
from torgtui.models.staff import Employee


class LedgerAccount(BaseModel):
    """One balance: ``kind`` (bonus, vip, certificate, partner, ...) of one owner."""

    kind = peewee.CharField(max_length=20)
    owner_type = peewee.CharField(max_length=20)  # customer, certificate, partner, ...
    owner_id = peewee.BigIntegerField()
    balance = MoneyField(default=0)  # cache: the sum of the entries
    floor = MoneyField(default=0)  # the lowest the balance may go (0, or minus a credit limit)
    created_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("kind", "owner_type", "owner_id"), True),)


class LedgerEntry(BaseModel):
    """One movement of a balance, signed. Never updated, never deleted."""

    account = peewee.ForeignKeyField(LedgerAccount, backref="entries", index=False)
    amount = MoneyField()
    kind = peewee.CharField(max_length=20)  # earn, spend, expire, write_off, charge, payment, ...
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField(null=True)  # what is left of a credit lapses then
    due_at = peewee.DateTimeField(null=True)  # what is left of a debt is overdue after
    receipt = peewee.ForeignKeyField(Receipt, null=True, backref="ledger_entries")
    document = peewee.CharField(max_length=60, default="")  # "writeoff:3", "merge:12"
    employee = peewee.ForeignKeyField(Employee, null=True)
    reverses = peewee.ForeignKeyField("self", null=True, backref="reversals")
    note = peewee.CharField(max_length=200, default="")

    class Meta:
        indexes = ((("account", "id"), False),)


class LedgerOpen(BaseModel):
    """What is still open of an entry (cache): a credit not yet spent or a debt not yet paid.
    A row exists only while something is open."""

    entry = peewee.ForeignKeyField(LedgerEntry, primary_key=True)
    account = peewee.ForeignKeyField(LedgerAccount, backref="open_items", index=False)
    sign = peewee.SmallIntegerField()  # +1 credit (bonuses, deposits), -1 debt
    amount = MoneyField()  # what is open, > 0
    expires_at = peewee.DateTimeField(null=True)
    due_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("account", "sign"), False),)


class LedgerMatch(BaseModel):
    """How much of an open item an entry settled (a spend taking an earning, a payment paying
    a debt). Never updated, never deleted."""

    entry = peewee.ForeignKeyField(LedgerEntry, backref="settled")
    item = peewee.ForeignKeyField(LedgerEntry, backref="settled_by")
    amount = MoneyField()


class CardType(BaseModel):
    """A kind of card the shop issues: its discount or bonus rule and its numbering."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id in the rules file
    name = peewee.CharField(max_length=120)
    kind = peewee.CharField(max_length=20)  # discount, one_time, accumulative, bonus
    percent_bp = peewee.IntegerField(default=0)  # discount cards: the fixed percent
    bonus_bp = peewee.IntegerField(default=0)  # bonus cards: % of the paid amount earned
    bonus_expiry_days = peewee.IntegerField(null=True)  # each accrual lapses after N days
    prefix = peewee.CharField(max_length=12, default="")  # own numbering: EAN-13 prefix
    range_from = peewee.BigIntegerField(default=0)
    range_to = peewee.BigIntegerField(default=0)
    next_number = peewee.BigIntegerField(default=0)  # the next number generate() tries
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class CardThreshold(BaseModel):
    """Accumulative cards: from ``from_amount`` bought in all, ``percent_bp`` off."""

    card_type = peewee.ForeignKeyField(CardType, backref="thresholds", on_delete="CASCADE")
    from_amount = MoneyField()
    percent_bp = peewee.IntegerField()

    class Meta:
        indexes = ((("card_type", "from_amount"), True),)


class CardGroupRate(BaseModel):
    """Bonus cards: another earning rate for one product group (and its subgroups)."""

    card_type = peewee.ForeignKeyField(CardType, backref="group_rates", on_delete="CASCADE")
    group = peewee.ForeignKeyField(ProductGroup)
    bonus_bp = peewee.IntegerField()

    class Meta:
        primary_key = peewee.CompositeKey("card_type", "group")


class CardAccelerator(BaseModel):
    """Buying a product (or one of a group) moves the customer up: to a threshold of their
    accumulative card (``tier``), or onto another card type (``enrol``)."""

    code = peewee.CharField(max_length=40, unique=True)
    product = peewee.ForeignKeyField(Product, null=True)
    group = peewee.ForeignKeyField(ProductGroup, null=True)
    action = peewee.CharField(max_length=10)  # tier, enrol
    card_type = peewee.ForeignKeyField(CardType)  # the card type it applies to / enrols in
    threshold = MoneyField(default=0)  # tier: the counted total it lifts the customer to
    active = peewee.BooleanField(default=True)


class OutboxMessage(BaseModel):
    """A message to a customer, written before anything is sent: one per ``dedupe`` key, so
    a retry or a crash never sends twice and never loses one."""

    customer = peewee.ForeignKeyField(Customer, null=True, backref="messages")
    kind = peewee.CharField(max_length=30)  # bonus_expiring, bonus_expired, mailing, code ...
    channel = peewee.CharField(max_length=10, default="any")  # any, sms, viber, email
    dedupe = peewee.CharField(max_length=120, unique=True)
    payload = peewee.TextField(default="{}")  # JSON: the template's variables
    status = peewee.CharField(max_length=12, default="pending", index=True)
    created_at = peewee.DateTimeField()
    send_after = peewee.DateTimeField(null=True)
    sent_at = peewee.DateTimeField(null=True)
    gateway_id = peewee.CharField(max_length=80, default="")
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    # migration 0015: what the sender needs (torgtui.channels.outbox, docs/messages.md)
    address = peewee.CharField(max_length=200, default="")  # the phone or e-mail; "": the card's
    text = peewee.TextField(default="")  # "": rendered from the template for ``kind``
    subject = peewee.CharField(max_length=200, default="")
    mailing_id = peewee.IntegerField(null=True, index=True)
    marketing = peewee.BooleanField(default=False)  # consent, stop-list and quiet hours apply
    via = peewee.CharField(max_length=10, default="")  # the channel it went by (sms, viber, email)
    gateway = peewee.CharField(max_length=20, default="")  # turbosms, alphasms, smtp, sandbox ...
    next_try_at = peewee.DateTimeField(null=True)  # after a RETRY: back-off
    claim = peewee.CharField(max_length=40, default="")  # the attempt's token while "sending"
    claimed_at = peewee.DateTimeField(null=True)
    accepted_at = peewee.DateTimeField(null=True)
    delivery = peewee.CharField(max_length=12, default="")  # the gateway's last Delivery
    delivery_at = peewee.DateTimeField(null=True)
    read_at = peewee.DateTimeField(null=True)
    clicked_at = peewee.DateTimeField(null=True)
    parts = peewee.IntegerField(default=0)
    cost = MoneyField(default=0)
    reason = peewee.CharField(max_length=200, default="")  # why suppressed, skipped or waiting


class RolePermission(BaseModel):
    """A change the owner made to what a role may do (on top of the built-in table)."""

    role = peewee.CharField(max_length=20)
    permission = peewee.CharField(max_length=40)
    granted = peewee.BooleanField()
    changed_at = peewee.DateTimeField()
    changed_by = peewee.ForeignKeyField(Employee, null=True)

    class Meta:
        primary_key = peewee.CompositeKey("role", "permission")


MODELS: list[type[BaseModel]] = [
    LedgerAccount,
    LedgerEntry,
    LedgerOpen,
    LedgerMatch,
    CardType,
    CardThreshold,
    CardGroupRate,
    CardAccelerator,
    OutboxMessage,
    RolePermission,
]
