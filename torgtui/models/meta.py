"""Bookkeeping tables: the schema version and shop-wide key/value facts."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel


class SchemaVersion(BaseModel):
    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField(max_length=80)
    applied_at = peewee.DateTimeField()


class Setting(BaseModel):
    """Facts stored with the data, not per register (e.g. the receipt number sequence owner)."""

    key = peewee.CharField(max_length=80, primary_key=True)
    value = peewee.TextField()
