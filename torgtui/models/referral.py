"""Refer a Friend (migration 0021; the service is torgtui.marketing.referral, the register's side
torgtui.marketing.referral_sale).

* ``referral_campaign``: one campaign on a customer's card (the referrer): the issue date and how
  many days its codes are valid, the friend's discount (basis points), the referrer's bonus
  rule (``fixed``: ``bonus_amount`` kopecks; ``percent``: ``bonus_bp`` of the friend's purchase;
  ``percent_max``: the same, at most ``bonus_max`` kopecks), the minimum purchase and the
  product group (None: every product).
* ``referral_code``: one individual code of a campaign (``RF-`` and 8 characters), its referrer
  copied from the campaign. A sale spends it with a conditional ``UPDATE ... WHERE used_at IS
  NULL`` whose row count decides; ``friend_id`` and ``receipt_id`` are unique, so one friend is
  referred once and one receipt uses one code, even if the service were wrong. ``purchase`` is
  what the friend paid for the campaign's goods, ``bonus`` what the referrer got for it (the
  ledger entries say what a return took back: document ``referral:<code id>``).
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.catalog import ProductGroup
from torgtui.models.customers import Customer
from torgtui.models.sales import Receipt
from torgtui.models.staff import Employee

BONUS_RULES = ("fixed", "percent", "percent_max")


class ReferralCampaign(BaseModel):
    """A Refer a Friend campaign of one customer (the referrer)."""

    customer = peewee.ForeignKeyField(Customer, backref="referral_campaigns")
    issued_on = peewee.DateField()  # the codes are valid from this day
    valid_days = peewee.IntegerField()  # ... for this many days (issued_on included)
    friend_bp = peewee.IntegerField()  # the friend's discount, basis points (1000 = 10%)
    bonus_rule = peewee.CharField(max_length=12)  # fixed, percent, percent_max
    bonus_amount = MoneyField(default=0)  # fixed: kopecks per friend's purchase
    bonus_bp = peewee.IntegerField(default=0)  # percent, percent_max: of the purchase
    bonus_max = MoneyField(default=0)  # percent_max: the most one purchase gives
    min_purchase = MoneyField(default=0)  # the friend's purchase of the campaign's goods
    group = peewee.ForeignKeyField(ProductGroup, null=True)  # None: every product
    blocked = peewee.BooleanField(default=False)
    note = peewee.CharField(max_length=200, default="")
    created_at = peewee.DateTimeField()
    created_by = peewee.ForeignKeyField(Employee, null=True)


class ReferralCode(BaseModel):
    """One individual code of a campaign, used once by a new customer's first purchase."""

    campaign = peewee.ForeignKeyField(ReferralCampaign, backref="codes", index=False)
    referrer = peewee.ForeignKeyField(Customer, backref="referral_codes")
    code = peewee.CharField(max_length=20, unique=True)
    created_at = peewee.DateTimeField()
    used_at = peewee.DateTimeField(null=True)
    friend = peewee.ForeignKeyField(Customer, null=True, unique=True, backref="referred_by")
    receipt = peewee.ForeignKeyField(Receipt, null=True, unique=True)
    purchase = MoneyField(default=0)  # what the friend paid for the campaign's goods
    bonus = MoneyField(default=0)  # the referrer's bonus for it (before any return)

    class Meta:
        indexes = (
            (("campaign", "id"), False),
            (("used_at", "id"), False),
        )


MODELS: list[type[BaseModel]] = [ReferralCampaign, ReferralCode]
