"""What the promo code tests share: promotions that need a code, batches, a shift, selling
and returning at the register as tests/unit/test_loyalty.py does."""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from decimal import Decimal

import pytest

from torgtui.marketing import codes
from torgtui.models import Customer, Receipt, ReceiptLine
from torgtui.models.promotions import Promotion
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


def promotion(code: str, name: str, *, least: int | None = None, by=None, **kw) -> Promotion:
    """A promotion only a code activates: 10% off every line (of a receipt of ``least``
    kopecks or more), saved through the promotion builder's service."""
    from torgtui.marketing.promotions.model import ALL_GOODS, PromotionData
    from torgtui.marketing.promotions.service import save_promotion

    return save_promotion(
        PromotionData(
            code=code,
            name=name,
            targets=(ALL_GOODS,),
            percent=Decimal(10),
            min_total=least,
            requires_code=True,
            **kw,
        ),
        by=by,
        system=True,
        clock=lambda: NOW,
    )


@pytest.fixture
def promo(db, shop) -> Promotion:
    return promotion("FLY10", "Листівка −10%")


def batch(staff, clock, promo: Promotion, code: str = "FLY-NOV", **kw) -> object:
    kw.setdefault("channel", "Flyer")
    return codes.save_batch(
        codes.BatchData(code=code, name=kw.pop("name", code.title()), promotion_id=promo.id, **kw),
        by=staff["manager"],
        clock=clock,
    )


def make_codes(staff, clock, found, n: int) -> list[str]:
    return codes.generate_codes(found, n, by=staff["manager"], clock=clock)


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, 100000, clock=clock)


def person(name: str = "Оля", card: str = "2900000000013") -> Customer:
    return Customer.create(name=name, card=card, created_at=NOW, updated_at=NOW)


def register(staff, shop, clock, who: str = "cashier") -> Register:
    return Register(staff[who], register="till-1", location_id=shop.location.id, clock=clock)


def pay(staff, shift, clock, reg: Register) -> Receipt:
    total = reg.priced().total
    receipt = commit_sale(
        reg.basket,
        [Tender("card", total)],
        uuid=reg.uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return receipt


def sell(staff, shop, shift, clock, scans: list[str], *, customer=None) -> Receipt:
    reg = register(staff, shop, clock)
    if customer is not None:
        reg.attach_customer(customer)
    for code in scans:
        reg.enter(code)
    return pay(staff, shift, clock, reg)


def give_back(staff, shift, clock, receipt: Receipt, qty_by_sku: dict[str, int] | None = None):
    lines = list(ReceiptLine.select().where(ReceiptLine.receipt == receipt.id))
    sku = {ln.product.sku: ln for ln in lines}
    wanted = (
        {ln.id: ln.qty for ln in lines}
        if qty_by_sku is None
        else {sku[s].id: q for s, q in qty_by_sku.items()}
    )
    return commit_return(
        receipt,
        wanted,
        uuid=str(uuidlib.uuid4()),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
