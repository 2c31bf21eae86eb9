"""Catalog: locations, product groups (a tree), manufacturers, products, barcodes, stock ledger."""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.staff import Employee


class Location(BaseModel):
    """A store or warehouse (the "accounting center")."""

    code = peewee.CharField(max_length=20, unique=True)
    name = peewee.CharField(max_length=120)
    address = peewee.CharField(max_length=250, default="")
    # migration 0008: the price type sold at here (None: retail)
    price_type = peewee.DeferredForeignKey("PriceType", null=True, backref="locations")


class ProductGroup(BaseModel):
    name = peewee.CharField(max_length=120)
    parent = peewee.ForeignKeyField("self", null=True, backref="children")
    path = peewee.CharField(max_length=500, unique=True)  # "Clothing/Women/Dresses"


class Manufacturer(BaseModel):
    name = peewee.CharField(max_length=120, unique=True)


UNITS = ("pcs", "kg", "g", "l", "m", "pack")


class Product(BaseModel):
    sku = peewee.CharField(max_length=40, unique=True)  # article
    name = peewee.CharField(max_length=200, index=True)
    group = peewee.ForeignKeyField(ProductGroup, null=True, backref="products")
    manufacturer = peewee.ForeignKeyField(Manufacturer, null=True, backref="products")
    unit = peewee.CharField(max_length=8, default="pcs")
    weighed = peewee.BooleanField(default=False)
    price = MoneyField()  # retail price per unit, kopecks
    cost = MoneyField(default=0)  # purchase cost per unit, kopecks
    tax_group = peewee.CharField(max_length=4, default="A")
    active = peewee.BooleanField(default=True)
    created_at = peewee.DateTimeField()
    updated_at = peewee.DateTimeField()
    # migration 0006: the name casefolded, for a search that ignores case in any alphabet
    name_fold = peewee.CharField(max_length=200, default="")

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.name_fold = fold_name(self.name or "")
        return super().save(*args, **kwargs)


def fold_name(name: str) -> str:
    """A product name as searched: casefolded (Cyrillic too), one kind of apostrophe."""
    return name.casefold().replace("’", "'").replace("ʼ", "'")


class Barcode(BaseModel):
    code = peewee.CharField(max_length=40, unique=True)
    product = peewee.ForeignKeyField(Product, backref="barcodes", on_delete="CASCADE")


class StockMovement(BaseModel):
    """One change of stock. Stock is the sum of movements; rows are never edited."""

    product = peewee.ForeignKeyField(Product, backref="stock_movements")
    location = peewee.ForeignKeyField(Location, backref="stock_movements")
    qty = QtyField()  # signed, thousandths of the unit
    kind = peewee.CharField(max_length=20)  # import, inbound, sale, return, adjust, writeoff
    at = peewee.DateTimeField()
    employee = peewee.ForeignKeyField(Employee, null=True)
    note = peewee.CharField(max_length=200, default="")
    # set by migration 0002: the receipt line that moved the goods (sales and returns)
    receipt_line_id = peewee.BigIntegerField(null=True, index=True)

    class Meta:
        indexes = ((("product", "location"), False),)
