"""Customers: the one place a customer lives (the customer base issue extends this card)."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel


class Customer(BaseModel):
    name = peewee.CharField(max_length=200)
    phone = peewee.CharField(max_length=20, null=True, unique=True)  # E.164, "+380..."
    card = peewee.CharField(max_length=40, null=True, unique=True)  # discount card barcode
    email = peewee.CharField(max_length=200, default="")
    birth_date = peewee.DateField(null=True)
    gender = peewee.CharField(max_length=1, default="")  # "f", "m" or ""
    note = peewee.TextField(default="")
    created_at = peewee.DateTimeField()
