"""Price policy: price types, a price per product per type, quantity breaks, a customer's
discounts per manufacturer, and the regional and currency price lists sent to partners
(migration 0008; the rules themselves are in torgtui.marketing.prices).

Retail is the catalog's own price (``product.price``): it is a row of ``price_type`` (code
``retail``, made by the migration) so a break or a price list can name it, but it never has
rows in ``product_price``. Percentages are basis points (3.5% = 350); a price list's rate and
rounding step are exact decimal text, never floats.
"""

from __future__ import annotations

import peewee

from torgtui.models.base import BaseModel, MoneyField, QtyField
from torgtui.models.catalog import Location, Manufacturer, Product, ProductGroup
from torgtui.models.customers import Customer

RETAIL = "retail"


class PriceType(BaseModel):
    """A price type: ``retail`` (the catalog price, always there), wholesale, named ones."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id
    name = peewee.CharField(max_length=120)


class ProductPrice(BaseModel):
    """The price of one product in one price type (none: the retail price stands)."""

    price_type = peewee.ForeignKeyField(
        PriceType,
        backref="prices",
        on_delete="CASCADE",
        index=False,  # leads the primary key
    )
    product = peewee.ForeignKeyField(Product, backref="type_prices", on_delete="CASCADE")
    price = MoneyField()  # kopecks per unit

    class Meta:
        primary_key = peewee.CompositeKey("price_type", "product")


class QtyBreak(BaseModel):
    """From ``min_qty`` of a product on the receipt, another price (or a percentage off), for
    one product or every product of a group and its subgroups, in one price type or all."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id
    product = peewee.ForeignKeyField(Product, null=True, backref="qty_breaks")
    group = peewee.ForeignKeyField(ProductGroup, null=True, backref="qty_breaks")
    price_type = peewee.ForeignKeyField(PriceType, null=True, backref="qty_breaks")  # None: all
    min_qty = QtyField()  # thousandths of the unit: 10 units = 10000
    price = MoneyField(null=True)  # kopecks per unit from min_qty on, or
    percent_bp = peewee.IntegerField(null=True)  # off the price type's price
    active = peewee.BooleanField(default=True)


class ManufacturerDiscount(BaseModel):
    """A (wholesale) customer's own discount on one manufacturer's goods."""

    customer = peewee.ForeignKeyField(
        Customer, backref="manufacturer_discounts", on_delete="CASCADE", index=False
    )
    manufacturer = peewee.ForeignKeyField(Manufacturer, backref="customer_discounts")
    percent_bp = peewee.IntegerField()

    class Meta:
        indexes = ((("customer", "manufacturer"), True),)


class PriceList(BaseModel):
    """A price list for partners: a price type (or its location's), in a currency at a rate,
    rounded to its own step of that currency."""

    code = peewee.CharField(max_length=40, unique=True)  # the rule's id, ``--list CODE``
    name = peewee.CharField(max_length=120)  # the heading
    price_type = peewee.ForeignKeyField(PriceType, null=True, backref="price_lists")
    location = peewee.ForeignKeyField(Location, null=True, backref="price_lists")
    currency = peewee.CharField(max_length=3, default="UAH")  # ISO 4217
    rate = peewee.CharField(max_length=24, default="1")  # hryvnias for one unit of currency
    rounding = peewee.CharField(max_length=24, default="0.01")  # step in that currency


MODELS: list[type[BaseModel]] = [
    PriceType,
    ProductPrice,
    QtyBreak,
    ManufacturerDiscount,
    PriceList,
]
