"""Bundles (sets): products sold together at a special price (migration 0012).

A bundle is a rule, found by its ``code`` (the rules file's id, the ``rule`` of its price
adjustments): a name, the price of the whole set in kopecks, validity dates and its parts
(a product and a quantity each). Pricing assembles it by itself when every part is in the
basket (torgtui.marketing.bundle_pricing). A bundle may also be sold as one article: a catalog
product of its own (its own barcode) that sells at the set's price; with ``disassemble`` its
sale takes the parts out of stock instead of the article, and a return puts them back
(torgtui.marketing.bundle_stock). Receipts name a bundle by its code, so a bundle is stopped
(``active`` false), never deleted.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import Product


class Bundle(BaseModel):
    """A set of products at one price for the whole set."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id
    name = peewee.CharField(max_length=120)  # "why this price" and the receipt say it
    price = MoneyField()  # kopecks for one whole set
    active = peewee.BooleanField(default=True)
    valid_from = peewee.DateField(null=True)  # first day it applies (None: always)
    valid_to = peewee.DateField(null=True)  # last day it applies, inclusive
    # the set sold as one article: a catalog product with its own barcode (None: only
    # assembled from its parts in the basket); one article belongs to one bundle
    product = peewee.ForeignKeyField(Product, null=True, unique=True, backref="as_bundle")
    disassemble = peewee.BooleanField(default=False)  # selling the article moves the parts
    # the manager confirmed a price not below the parts' total (it then saves nothing)
    price_confirmed = peewee.BooleanField(default=False)


class BundlePart(BaseModel):
    """One product of a bundle and how many of it one set holds."""

    bundle = peewee.ForeignKeyField(
        Bundle, backref="parts", on_delete="CASCADE", index=False
    )  # leads the primary key
    product = peewee.ForeignKeyField(Product, backref="bundle_parts")
    qty = QtyField()  # thousandths of the unit in one set: 2 pcs = 2000

    class Meta:
        primary_key = peewee.CompositeKey("bundle", "product")


MODELS: list[type[BaseModel]] = [Bundle, BundlePart]
