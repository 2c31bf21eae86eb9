"""A shop for the promotion tests: the ``shop`` fixture's goods put into groups (clothes with
dresses and socks as subgroups, cosmetics) and a manufacturer, a scarf and socks more, an open
shift, and helpers that sell through the real Register and commit_sale."""

from __future__ import annotations

import json
import uuid as uuidlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.shop_fixture import T0, Shop
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.promotions import PromotionData, Target, save_promotion
from torgtui.models import (
    Customer,
    Draft,
    Manufacturer,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
)
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift


@dataclass
class PromoShop:
    shop: Shop
    clothes: ProductGroup  # Одяг
    dresses: ProductGroup  # Одяг/Сукні: the dress
    socks_group: ProductGroup  # Одяг/Шкарпетки: the socks
    cosmetics: ProductGroup  # the cream and the soap
    flora: Manufacturer  # makes the cream
    scarf: Product  # 300.00 (cost 120.00), in Одяг itself
    socks: Product  # 50.00 (cost 20.00)

    @property
    def dress(self) -> Product:
        return self.shop.dress

    @property
    def cream(self) -> Product:
        return self.shop.cream

    @property
    def soap(self) -> Product:
        return self.shop.soap

    @property
    def location_id(self) -> int:
        return self.shop.location.id


@pytest.fixture
def ps(shop: Shop) -> PromoShop:
    clothes = ProductGroup.create(name="Одяг", path="Одяг")
    dresses = ProductGroup.create(name="Сукні", parent=clothes, path="Одяг/Сукні")
    socks_group = ProductGroup.create(name="Шкарпетки", parent=clothes, path="Одяг/Шкарпетки")
    cosmetics = ProductGroup.create(name="Косметика", path="Косметика")
    flora = Manufacturer.create(name="Флора")
    Product.update(group=dresses).where(Product.id == shop.dress.id).execute()
    Product.update(group=cosmetics, manufacturer=flora).where(Product.id == shop.cream.id).execute()
    Product.update(group=cosmetics).where(Product.id == shop.soap.id).execute()
    scarf = Product.create(
        sku="S-1", name="Шарф", price=30000, cost=12000, group=clothes, created_at=T0, updated_at=T0
    )
    socks = Product.create(
        sku="K-1",
        name="Шкарпетки",
        price=5000,
        cost=2000,
        group=socks_group,
        created_at=T0,
        updated_at=T0,
    )
    return PromoShop(shop, clothes, dresses, socks_group, cosmetics, flora, scarf, socks)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


ALL = (Target(),)


def product(p: Product) -> tuple[Target, ...]:
    return (Target(product_id=p.id),)


def promo(staff, clock, code: str, **kw: Any):
    """Save a promotion as the manager (its name is the code unless given)."""
    confirm = kw.pop("confirm_above_regular", False)
    kw.setdefault("targets", ALL)
    if "percent" in kw and not isinstance(kw["percent"], Decimal):
        kw["percent"] = Decimal(kw["percent"])
    data = PromotionData(code, kw.pop("name", code), **kw)
    return save_promotion(data, by=staff["manager"], clock=clock, confirm_above_regular=confirm)


def register(staff, ps: PromoShop, clock, items, customer_id: int | None = None) -> Register:
    """A register with ``items`` ((product, units) or (product, thousandths, True)) scanned."""
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=ps.location_id)
    for item in items:
        goods, qty = item[0], item[1]
        reg.add(goods, qty if len(item) > 2 else qty * 1000)
    if customer_id is not None:
        reg.attach_customer(Customer.get_by_id(customer_id))
    return reg


def priced(staff, ps, clock, items, customer_id=None) -> Basket:
    reg = register(staff, ps, clock, items, customer_id)
    basket = reg.priced()
    Draft.delete().where(Draft.id == reg.draft.id).execute()  # only priced, never sold
    reg.forget()
    return basket


def sell(staff, ps, shift, clock, items, customer_id=None, tenders=None) -> Receipt:
    reg = register(staff, ps, clock, items, customer_id)
    total = reg.priced().total
    receipt = commit_sale(
        reg.basket,
        tenders or [Tender("card", total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return receipt


def lines(receipt: Receipt) -> dict[str, tuple[int, int]]:
    """name -> (discount, total) of each line."""
    return {
        ln.name: (ln.discount, ln.total)
        for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)
    }


def discounts(basket: Basket, step: str = "promotion") -> dict[str, int]:
    """name -> what ``step`` took off the line."""
    return {ln.name: sum(a.amount for a in ln.adjustments if a.step == step) for ln in basket.lines}


def info(receipt: Receipt) -> dict:
    return json.loads(Receipt.get_by_id(receipt.id).info or "{}")


def give_back(staff, shift, clock, receipt: Receipt, qty_by_name: dict[str, int]) -> Receipt:
    by_name = {ln.name: ln for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt.id)}
    return commit_return(
        receipt,
        {by_name[name].id: qty * 1000 for name, qty in qty_by_name.items()},
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )


def card_type(staff, clock, code: str, kind: str, **kw):
    return save_card_type(
        CardTypeData(code=code, name=code.title(), kind=kind, **kw),
        by=staff["manager"],
        clock=clock,
    )


def customer(
    card_type_id: int | None = None,
    *,
    name: str = "Оля",
    card: str = "2900000000013",
    birth_date=None,
) -> Customer:
    return Customer.create(
        name=name,
        card=card,
        card_type=card_type_id,
        birth_date=birth_date,
        created_at=T0,
        updated_at=T0,
    )
