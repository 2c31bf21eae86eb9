"""The demo shop's gift certificates (issue 12.1), made through the real services after the
sales history is written: a type of each mode with batches issued, certificates sold at a
register of their own ("POS-GC", one shift per day of events, closed after), some partly spent,
one spent whole and reissued, a product certificate exchanged for goods, a discount
certificate used, one return of goods bought with a certificate, and a few sold long ago that
have expired (written off by the expiry job).

* ``GIFT-1000``: money, 1 000.00, spent in parts, valid 180 days (prefix 27);
* ``GIFT-500``: money, 500.00, used once, valid 90 days (prefix 26);
* ``CARE-SET``: product, the set «Догляд» at 650.00, ten in stock (prefix 25);
* ``MINUS-15``: discount, 15% off a purchase of 300.00 or more, valid 60 days (prefix 24).

Deterministic: the choices come from a ``random.Random`` seeded from the demo's seed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid as uuidlib
from decimal import Decimal

from torgtui.catalog.stock import post_movement
from torgtui.marketing import certificates as gc
from torgtui.models import Barcode, Employee, Location, Product
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.pricing import PricingContext, price
from torgtui.sales.register import line_from_product
from torgtui.sales.returns import commit_return

REGISTER = "POS-GC"
CASH_STEP = 10  # kopecks: the cash rounding of the demo shop
PRODUCTS = (  # sku, name, price, cost
    ("GC-1000", "Аванс: подарунковий сертифікат 1000 грн", 100000, 0),
    ("GC-0500", "Аванс: подарунковий сертифікат 500 грн", 50000, 0),
    ("GC-CARE", "Сертифікат-набір «Догляд»", 65000, 41000),
    ("GC-MINUS15", "Сертифікат −15% на наступну покупку", 5000, 0),
)


def _products(now: dt.datetime) -> dict[str, Product]:
    out = {}
    for sku, name, price_, cost in PRODUCTS:
        found = Product.get_or_none(Product.sku == sku)
        out[sku] = found or Product.create(
            sku=sku, name=name, price=price_, cost=cost, created_at=now, updated_at=now
        )
    return out


def _goods(rng: random.Random, limit: int = 40) -> list[Product]:
    """Ordinary goods with a barcode, priced 150.00 to 2 500.00, to buy with certificates."""
    rows = list(
        Product.select()
        .join(Barcode)
        .where(
            (Product.price >= 15000)
            & (Product.price <= 250000)
            & (Product.weighed == False)  # noqa: E712
            & (Product.active == True)  # noqa: E712
            & ~Product.sku.startswith("GC-")
        )
        .order_by(Product.id)
        .limit(limit)
    )
    rng.shuffle(rows)
    return rows


class _Till:
    """Sales through the register's own checkout, one shift per day of events."""

    def __init__(self, cashier: Employee, location: Location) -> None:
        self.cashier, self.location = cashier, location

    def day(self, when: dt.datetime):
        from torgtui.sales.shifts import open_shift

        self.now = when
        self.shift = open_shift(
            self.cashier, REGISTER, self.location, 0, clock=self.clock, fiscal=False
        )
        return self

    def clock(self) -> dt.datetime:
        return self.now

    def close(self) -> None:
        from torgtui.sales.shifts import close_shift

        close_shift(self.shift, self.cashier, clock=self.clock, fiscal=False)

    def sell(self, goods: list[Product], certificates: list[str], *, sell: list[str] = ()):
        """A receipt: ``goods``, the issued certificates ``sell`` sold, ``certificates``
        offered; what they pay by certificate, the rest in cash."""
        from torgtui.sales.basket import Basket

        self.now += dt.timedelta(minutes=7)
        basket = Basket(codes=[gc.MARK + c for c in certificates])
        for product in goods:
            basket.lines.append(line_from_product(product, 1000))
        for code in sell:
            kind = gc.type_of(gc.find(code).type_id)
            basket.lines.append(line_from_product(Product.get_by_id(kind.product_id), 1000, code))
        ctx = PricingContext(at=self.now, location_id=self.location.id)
        priced = price(basket, ctx)
        covered = int((priced.info.get("certificates") or {}).get("pay", 0))
        tenders = [Tender("certificate", covered)] if covered else []
        if priced.total > covered:
            tenders.append(Tender("card", priced.total - covered))  # the rest by card
        return commit_sale(
            basket,
            tenders,
            uuid=str(uuidlib.uuid4()),
            employee=self.cashier,
            shift=self.shift,
            cash_step=CASH_STEP,
            clock=self.clock,
            fiscal=False,
        )

    def give_back(self, receipt, line_ids: dict[int, int]):
        self.now += dt.timedelta(minutes=7)
        return commit_return(
            receipt,
            line_ids,
            uuid=str(uuidlib.uuid4()),
            employee=self.cashier,
            shift=self.shift,
            cash_step=CASH_STEP,
            clock=self.clock,
            fiscal=False,
        )


def build(today: dt.date, seed: int) -> None:
    """Add the demo certificates (inside the demo's write transaction)."""
    from torgtui.models import ReceiptLine

    rng = random.Random(f"certificates-{seed}")
    manager = Employee.get(Employee.role == "manager")
    cashier = Employee.get(Employee.role == "cashier")
    location = Location.select().order_by(Location.id).first()
    goods = _goods(rng)
    if location is None or len(goods) < 8:
        return  # a tiny demo: no certificates to speak of

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(hour))

    setup = at(155, 9)
    products = _products(setup)
    post_movement(
        products["GC-CARE"], location, 10000, "inbound", note="Сертифікати-набори",
        system=True, clock=lambda: setup,
    )  # fmt: skip
    types = {
        "money": gc.TypeData(
            "GIFT-1000", "Сертифікат 1000 грн", "money", "GC-1000", face_value=100000,
            partial=True, prefix="27", valid_days=180, template="gift-a6",
        ),
        "once": gc.TypeData(
            "GIFT-500", "Сертифікат 500 грн", "money", "GC-0500", face_value=50000,
            prefix="26", valid_days=90, template="gift-a6",
        ),
        "care": gc.TypeData(
            "CARE-SET", "Набір «Догляд»", "product", "GC-CARE", face_value=65000,
            prefix="25", template="gift-a6",
        ),
        "discount": gc.TypeData(
            "MINUS-15", "−15% на наступну покупку", "discount", "GC-MINUS15",
            discount_percent=Decimal(15), min_total=30000, prefix="24", valid_days=60,
            template="label",
        ),
    }  # fmt: skip
    codes: dict[str, list[str]] = {}
    for key, data in types.items():
        gc.save_type(data, by=manager, clock=lambda: setup)
        batch = gc.issue_batch(data.code, 12, by=manager, clock=lambda: setup)
        codes[key] = [r.barcode for r in gc.barcodes(batch_id=batch.id)]

    till = _Till(cashier, location)
    # long ago: two 500s sold and never used (expired), a discount certificate lapsed
    till.day(at(150))
    till.sell([], [], sell=codes["once"][:2])
    till.sell([], [], sell=codes["discount"][:1])
    till.close()
    # a month ago: certificates sold (one customer buys three 1000s), care sets
    till.day(at(30))
    till.sell([], [], sell=codes["money"][:3])
    till.sell([], [], sell=codes["money"][3:5])
    till.sell([], [], sell=codes["once"][2:5])
    till.sell([], [], sell=codes["care"][:3])
    till.sell([], [], sell=codes["discount"][1:4])
    till.close()
    # two weeks ago: spent in parts, once, exchanged, a discount used
    till.day(at(14))
    till.sell([min(goods, key=lambda p: p.price)], codes["money"][:1])  # partly spent
    paid_in_parts = till.sell(goods[1:3], codes["money"][1:2])
    till.sell([max(goods[3:6], key=lambda p: p.price)], codes["once"][2:3])
    till.sell([max(goods[6:8], key=lambda p: p.price)], codes["care"][:1])
    till.sell(goods[3:5], codes["discount"][1:2])
    till.close()
    # last week: goods bought with a certificate come back (its share back onto it)
    till.day(at(7))
    line = ReceiptLine.select().where(ReceiptLine.receipt == paid_in_parts.id).first()
    till.give_back(paid_in_parts, {line.id: line.qty})
    till.close()
    # the 500 spent whole is reissued (same card, a new life) and sold again yesterday
    gc.reissue(codes["once"][2], by=manager, clock=lambda: at(2))
    till.day(at(1))
    till.sell([], [], sell=[codes["once"][2]])
    till.close()
    gc.expire_due(now=at(0, 6))  # the morning's expiry run
