"""Promotions (migration 0010): the promotion builder's rules, the goods each one is for, the
birthday gifts given (once per person per year) and the Nth-receipt counters.

A promotion is typed columns for what lists, filters and the conflict check read (its id,
name, dates, priority, stacking, mechanic and reward kind) plus ``definition``: the rest of it
(weekdays, hours, locations, customers, conditions, the mechanic's numbers, the reward's value)
as canonical JSON that torgtui.marketing.promotions.model writes and validates, never edited by
hand. The goods are rows of ``promotion_target`` so the database can answer "which products
does it cover" (the forecast and the conflict check do). The rules and their engine are in
torgtui.marketing.promotions.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel
from torgtui.models.catalog import Location, Manufacturer, Product, ProductGroup
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt


class Promotion(BaseModel):
    code = peewee.CharField(max_length=40, unique=True)  # the rule's id (rules file, adjustments)
    name = peewee.CharField(max_length=120)
    active = peewee.BooleanField(default=True, index=True)
    starts_on = peewee.DateField(null=True)  # inclusive; None: from always
    ends_on = peewee.DateField(null=True)  # inclusive; None: for ever
    priority = peewee.IntegerField(default=0)  # higher applies first
    stacking = peewee.CharField(max_length=10, default="stacks")  # exclusive, stacks, best_of
    best_of = peewee.CharField(max_length=40, default="")  # the best-of group's name
    with_card = peewee.CharField(max_length=10, default="on_top")  # on_top, replaces
    requires_code = peewee.BooleanField(default=False)  # applies only when a code activates it
    festive = peewee.BooleanField(default=False)  # the register plays the festive sound
    mechanic = peewee.CharField(max_length=10, default="all")  # all, nth, cheapest, buy_get
    reward = peewee.CharField(max_length=16, default="percent")  # percent, amount, price, bonus_*
    definition = peewee.TextField(default="{}")  # canonical JSON of the rest (see the module doc)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()


class PromotionTarget(BaseModel):
    """What a promotion is for: a product, a group (with its subgroups), a manufacturer, or all
    goods (none of the three); ``exclude`` takes it out again; ``role`` "get" is what a "buy X
    get Y" promotion gives when that is other goods than the ones bought."""

    promotion = peewee.ForeignKeyField(Promotion, backref="targets", on_delete="CASCADE")
    role = peewee.CharField(max_length=4, default="buy")  # buy, get
    product = peewee.ForeignKeyField(Product, null=True, backref="promotion_targets")
    group = peewee.ForeignKeyField(ProductGroup, null=True, backref="promotion_targets")
    manufacturer = peewee.ForeignKeyField(Manufacturer, null=True, backref="promotion_targets")
    exclude = peewee.BooleanField(default=False)


class PromotionGrant(BaseModel):
    """A birthday gift given: once per promotion, person (the customer: ``member_id`` 0, or a
    family member) and year of the birthday. The unique index decides between two registers."""

    promotion = peewee.ForeignKeyField(Promotion, backref="grants", index=False)
    customer = peewee.ForeignKeyField(Customer, backref="promotion_grants")
    member_id = peewee.BigIntegerField(default=0)  # customers.FamilyMember id; 0: the customer
    year = peewee.IntegerField()  # the year of the birthday celebrated
    receipt = peewee.ForeignKeyField(Receipt, null=True, backref="promotion_grants")
    granted_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("promotion", "customer", "member_id", "year"), True),)


class PromotionCounter(BaseModel):
    """Receipts counted for an "every Nth receipt" promotion at one location, per day
    (``period`` "2026-11-22") or overall (``period`` ""): incremented in the sale's transaction;
    the receipt whose increment lands on a multiple of N is the Nth."""

    promotion = peewee.ForeignKeyField(Promotion, backref="counters", index=False)
    location = peewee.ForeignKeyField(Location, backref="promotion_counters")
    period = peewee.CharField(max_length=10, default="")
    count = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("promotion", "location", "period"), True),)


MODELS: list[type[BaseModel]] = [Promotion, PromotionTarget, PromotionGrant, PromotionCounter]
