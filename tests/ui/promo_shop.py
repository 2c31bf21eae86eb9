"""A small shop for the promotions area's tests and snapshots: goods in groups with stock,
a card type, promotions in every status (running: the 2nd cream at half price, happy hours on
clothes, a flyer's code-only one; planned; ended; stopped), a flyer's code batch, a set, a
customer and an open pre-order -- all through the services."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from torgtui.catalog.barcodes import make_ean13
from torgtui.catalog.stock import post_movement
from torgtui.clock import FixedClock
from torgtui.customers.service import CardData, create_customer
from torgtui.marketing import bundles, cards, codes, preorders
from torgtui.marketing.promotions import PromotionData, Target, save_promotion
from torgtui.models import (
    Barcode,
    Customer,
    Employee,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
)

T0 = dt.datetime(2026, 11, 22, 10, 0)


@dataclass
class PromoShop:
    location: Location
    dress: Product
    cream: Product
    scarf: Product
    gift: Product  # a set sold as one article
    clothes: ProductGroup
    customer: Customer
    codes: dict[str, str]  # sku -> barcode
    preorder_id: int


def build_promo_shop(staff: dict[str, Employee], clock: FixedClock) -> PromoShop:
    now = clock.now
    manager = staff["manager"]
    loc = Location.create(code="MAIN", name="Квітка")
    clothes = ProductGroup.create(name="Одяг", path="Одяг")
    dresses = ProductGroup.create(name="Сукні", parent=clothes, path="Одяг/Сукні")
    cosmetics = ProductGroup.create(name="Косметика", path="Косметика")
    flora = Manufacturer.create(name="Флора")
    barcodes: dict[str, str] = {}

    def product(n: int, sku: str, name: str, price: int, cost: int, stock: int, **kw) -> Product:
        row = Product.create(
            sku=sku, name=name, price=price, cost=cost, created_at=now, updated_at=now, **kw
        )
        barcodes[sku] = make_ean13("21", n)
        Barcode.create(code=barcodes[sku], product=row)
        if stock:
            post_movement(row, loc, stock * 1000, "inbound", note="stock", clock=clock, system=True)
        return row

    dress = product(1, "D-1", "Сукня літня", 125000, 60000, 5, group=dresses)
    cream = product(2, "C-1", "Крем для рук", 18990, 9000, 20, group=cosmetics, manufacturer=flora)
    scarf = product(3, "S-1", "Шарф вовняний", 30000, 12000, 0, group=clothes)
    gift = product(4, "SET-1", "Набір «Догляд»", 35000, 0, 0, group=cosmetics)
    cards.save_card_type(
        cards.CardTypeData(
            "GOLD", "Накопичувальна", "accumulative",
            thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))],
        ),
        by=None, clock=clock, system=True,
    )  # fmt: skip
    today = now.date()
    day = dt.timedelta(days=1)
    for data in (
        PromotionData(
            "CREAM2", "Другий крем −50%", targets=(Target(product_id=cream.id),),
            mechanic="nth", n=2, of="product", percent=Decimal(50),
            starts_on=today - 10 * day, ends_on=today + 20 * day,
        ),
        PromotionData(
            "HAPPY", "Щасливі години", targets=(Target(group_id=clothes.id),),
            weekdays=(0, 1, 2, 3, 4), hours=(600, 720), percent=Decimal(15), festive=True,
        ),
        PromotionData(
            "XMAS", "Новорічна −20%", targets=(Target(group_id=clothes.id),),
            percent=Decimal(20), starts_on=today + 30 * day, ends_on=today + 45 * day,
            stacking="exclusive", priority=10,
        ),
        PromotionData(
            "AUTUMN", "Осінь −10%", targets=(Target(group_id=cosmetics.id),),
            percent=Decimal(10), starts_on=today - 40 * day, ends_on=today - 20 * day,
        ),
        PromotionData(
            "OLD", "Зупинена", targets=(Target(product_id=scarf.id),), percent=Decimal(5),
            active=False,
        ),
    ):  # fmt: skip
        save_promotion(data, by=manager, clock=clock)
    fly = save_promotion(
        PromotionData(
            "FLY10", "Листівка −100 ₴", targets=(Target(),), reward="amount", amount=10000,
            on="receipt", min_total=100000, requires_code=True,
        ),
        by=manager, clock=clock,
    )  # fmt: skip
    batch = codes.save_batch(
        codes.BatchData("FLYER-NOV", "Листівка листопад", fly.id, channel="Листівка"),
        by=manager,
        clock=clock,
    )
    codes.generate_codes(batch, 5, by=manager, clock=clock)
    bundles.save_bundle(
        bundles.BundleData(
            "DRESS+CREAM", "Сукня з кремом", 130000,
            [bundles.BundlePartData(dress.id, 1000), bundles.BundlePartData(cream.id, 1000)],
        ),
        by=manager, clock=clock,
    )  # fmt: skip
    bundles.save_bundle(
        bundles.BundleData(
            "GIFT", "Набір «Догляд»", 35000, [bundles.BundlePartData(cream.id, 2000)],
            article=gift.id, disassemble=True,
        ),
        by=manager, clock=clock,
    )  # fmt: skip
    customer = create_customer(
        CardData("Оксана Мельник", phones=["+380671234567"], card=make_ean13("29", 1)),
        by=manager,
        clock=clock,
    )
    order = preorders.create(
        customer.id,
        loc.id,
        [preorders.OrderLine(scarf.id, 1000)],
        by=manager,
        uuid=str(uuid.UUID(int=1)),
        clock=clock,
    )
    return PromoShop(loc, dress, cream, scarf, gift, clothes, customer, barcodes, order.id)
