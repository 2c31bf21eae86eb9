"""Customers: the one place a customer lives, with what hangs off the card (phones, the search
word index, family, interests, contacts, reminders, delivery addresses)."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import ProductGroup
from torgtui.models.staff import Employee


class Customer(BaseModel):
    name = peewee.CharField(max_length=200)
    # primary, E.164; not unique since migration 0007: a family may share one phone
    phone = peewee.CharField(max_length=20, null=True, index=True)
    card = peewee.CharField(max_length=40, null=True, unique=True)  # discount card barcode
    email = peewee.CharField(max_length=200, default="")
    birth_date = peewee.DateField(null=True)
    gender = peewee.CharField(max_length=1, default="")  # "f", "m" or ""
    note = peewee.TextField(default="")
    created_at = peewee.DateTimeField()
    # migration 0004
    language = peewee.CharField(max_length=5, default="")  # communication language: uk, en
    attention = peewee.BooleanField(default=False, index=True)  # "!" shown at the register
    attention_note = peewee.TextField(default="")
    social = peewee.TextField(default="")  # links, one per line
    birth_md = peewee.IntegerField(null=True, index=True)  # month * 100 + day, for birthdays
    name_sort = peewee.CharField(max_length=200, default="")  # casefolded name, list order
    last_visit = peewee.DateTimeField(null=True)
    total_bought = MoneyField(default=0)  # sum of sale receipts, kept with each receipt
    total_returned = MoneyField(default=0)
    receipts_count = peewee.IntegerField(default=0)
    status = peewee.CharField(max_length=10, default="active")  # active, merged, cleaned, erased
    merged_into = peewee.ForeignKeyField("self", null=True, backref="merged_cards")
    updated_at = peewee.DateTimeField(null=True)
    # migration 0007: the loyalty card
    card_type = peewee.DeferredForeignKey("CardType", null=True, index=True)
    card_status = peewee.CharField(max_length=10, default="active")  # active, blocked
    card_issued_at = peewee.DateTimeField(null=True)
    card_spent_at = peewee.DateTimeField(null=True)  # a one-time card, once used
    tier_floor = MoneyField(default=0)  # accelerators: the counted total is at least this
    # migration 0009: VIP customers (the balance and limit are on the ledger's vip account)
    vip_mode = peewee.CharField(max_length=10, default="")  # "", credit, account, items
    vip_term_days = peewee.IntegerField(default=0)  # days to pay a debt; 0: no term
    # migration 0008: the price type on a wholesale or VIP card (None: the location's)
    price_type = peewee.DeferredForeignKey("PriceType", null=True, backref="customers")

    class Meta:
        indexes = (
            (("name_sort", "id"), False),
            (("last_visit", "id"), False),
            (("total_bought", "id"), False),
        )


class CustomerPhone(BaseModel):
    customer = peewee.ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    phone = peewee.CharField(max_length=20, index=True)  # E.164; shared by a family since 0007
    kind = peewee.CharField(max_length=10, default="mobile")
    # migration 0006: the digits reversed, so "the last digits" is an index range
    tail = peewee.CharField(max_length=20, default="", index=True)

    class Meta:
        table_name = "customer_phone_number"  # "customer_phone" is the unique index's name

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.tail = phone_tail(self.phone or "")
        return super().save(*args, **kwargs)


def phone_tail(phone: str) -> str:
    """ "+380671234567" -> "765432176083": the digits reversed."""
    return "".join(ch for ch in reversed(phone) if ch.isdigit())


class CustomerWord(BaseModel):
    """One searchable word of a card (name words, casefolded, plus their Latin or Cyrillic
    transliteration), so a prefix search is an index range scan."""

    word = peewee.CharField(max_length=64)
    customer = peewee.ForeignKeyField(Customer, backref="words", on_delete="CASCADE")

    class Meta:
        primary_key = peewee.CompositeKey("word", "customer")


class FamilyMember(BaseModel):
    customer = peewee.ForeignKeyField(Customer, backref="family", on_delete="CASCADE")
    relation = peewee.CharField(max_length=20)  # child, spouse, parent, other
    name = peewee.CharField(max_length=200)
    birth_date = peewee.DateField(null=True, index=True)
    gender = peewee.CharField(max_length=1, default="")


class CustomerInterest(BaseModel):
    customer = peewee.ForeignKeyField(
        Customer,
        backref="interests",
        on_delete="CASCADE",
        index=False,  # leads the primary key
    )
    group = peewee.ForeignKeyField(ProductGroup, backref="interested")
    source = peewee.CharField(max_length=10)  # auto (from purchases) or manual
    created_at = peewee.DateTimeField()

    class Meta:
        primary_key = peewee.CompositeKey("customer", "group")


class Contact(BaseModel):
    """A call, message, invoice, promise or note with a customer."""

    customer = peewee.ForeignKeyField(Customer, backref="contacts", on_delete="CASCADE")
    employee = peewee.ForeignKeyField(Employee, null=True)
    at = peewee.DateTimeField()
    kind = peewee.CharField(max_length=12)  # call, message, invoice, promise, note
    direction = peewee.CharField(max_length=3, default="")  # in, out or ""
    text = peewee.TextField(default="")


class Reminder(BaseModel):
    customer = peewee.ForeignKeyField(Customer, null=True, backref="reminders", on_delete="CASCADE")
    employee = peewee.ForeignKeyField(Employee, backref="reminders")  # who is reminded
    created_by = peewee.ForeignKeyField(Employee, null=True)
    created_at = peewee.DateTimeField()
    due_date = peewee.DateField()
    text = peewee.TextField()
    done_at = peewee.DateTimeField(null=True)
    snoozed_until = peewee.DateField(null=True)

    class Meta:
        indexes = ((("employee", "due_date"), False),)


class DeliveryAddress(BaseModel):
    customer = peewee.ForeignKeyField(Customer, backref="addresses", on_delete="CASCADE")
    carrier = peewee.CharField(max_length=12)  # nova_poshta, ukrposhta, street
    city = peewee.CharField(max_length=120, default="")
    branch = peewee.CharField(max_length=200, default="")  # branch / post office
    street = peewee.CharField(max_length=250, default="")
    recipient = peewee.CharField(max_length=200, default="")
    phone = peewee.CharField(max_length=20, default="")
    created_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField()
