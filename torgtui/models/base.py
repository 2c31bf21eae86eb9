"""The base model every table derives from, bound to the one database proxy."""

from __future__ import annotations

import peewee

from torgtui.db import database


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


class MoneyField(peewee.BigIntegerField):
    """An amount in integer kopecks (never a float)."""


class QtyField(peewee.BigIntegerField):
    """A quantity in thousandths of the unit: 1000 = 1 pc, 1250 = 1.25 kg."""
