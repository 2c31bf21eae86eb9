"""VIP customers: credit, goods-and-cash accounts, item-level debts (migration 0009).

The balances live on the ledger (models.loyalty: one ``vip`` account per customer; its floor is
minus the credit limit); the mode and the payment term are on the customer. Kept here:

* ``vip_account``: one row per VIP customer, a cache of what the VIP list sorts by (the open
  debt and the earliest due date), written in the same transaction as the ledger entries and
  provable from them (torgtui.marketing.vip.check);
* ``vip_item``: which receipt line an item-level charge is for, so a payment can be allocated
  to it, the statement can say what each item still owes and a return reverses its own line.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField
from torgtui.models.customers import Customer
from torgtui.models.loyalty import LedgerAccount, LedgerEntry
from torgtui.models.sales import ReceiptLine


class VipAccount(BaseModel):
    """A VIP customer's place in the VIP list (cache of the ledger)."""

    customer = peewee.ForeignKeyField(Customer, primary_key=True)
    account = peewee.ForeignKeyField(LedgerAccount, unique=True)
    debt = MoneyField(default=0)  # the open debts, >= 0
    due_at = peewee.DateTimeField()  # the earliest due date of an open debt; 9999-12-31 if none
    since = peewee.DateTimeField()  # made VIP
    updated_at = peewee.DateTimeField()

    class Meta:
        indexes = ((("due_at", "customer"), False),)


class VipItem(BaseModel):
    """An item-level charge (a ledger entry) and the receipt line it is for. Never updated."""

    entry = peewee.ForeignKeyField(LedgerEntry, primary_key=True)
    line = peewee.ForeignKeyField(ReceiptLine)


MODELS: list[type[BaseModel]] = [VipAccount, VipItem]
