"""Gift certificates at the register, by keys at 80x24: an issued certificate scanned is sold
(its line), a sold one scanned says what it holds, the header's "To pay" and the payment panel
take what it pays, Enter pays the rest in cash; a blocked one is refused in words."""

from __future__ import annotations

import datetime as dt

import pytest

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.marketing import certificates as gc
from torgtui.models import Barcode, Location, Payment, Product, Receipt
from torgtui.sales.shifts import open_shift
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale import SaleScreen

from .helpers import label_text, log_in, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")
    for sku, name, price in (("C-1", "Hand cream", 18990), ("GC-1", "Certificate 100", 10000)):
        product = Product.create(sku=sku, name=name, price=price, created_at=T0, updated_at=T0)
        if sku == "C-1":
            Barcode.create(code=make_ean13("21", 1), product=product)
    gc.save_type(
        gc.TypeData("G100", "Gift 100", "money", "GC-1", face_value=10000, partial=True),
        by=ui_staff["manager"],
        clock=clock,
    )
    batch = gc.issue_batch("G100", 2, by=ui_staff["manager"], clock=clock)
    return {"location": loc, "cream": make_ean13("21", 1), "certs": gc.barcodes(batch_id=batch.id)}


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_sell_a_certificate_then_pay_with_it(settings, shop, ui_staff, clock) -> None:
    open_shift(ui_staff["cashier"], "till-1", shop["location"], 50000, clock=clock)
    first, second = (row.barcode for row in shop["certs"])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        await pilot.press("1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SaleScreen)
        await type_code(pilot, first)
        assert screen.last_message == f"Certificate {first} sold: Gift 100"
        await pilot.press("f12", "enter")  # paid in cash, exact
        await settle(pilot)
        assert gc.state(first, clock()).balance == 10000
        await type_code(pilot, shop["cream"])
        await type_code(pilot, first)
        assert screen.last_message == f"Certificate {first}: Gift 100, holds 100.00 ₴"
        assert label_text(app, "#sale-topay") == "To pay 89.90 ₴"
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        assert label_text(app, "#pay-total") == "To pay: 89.90 ₴"
        assert label_text(app, "#pay-bonus") == "Gift certificates pay 100.00 ₴ of 189.90 ₴"
        await pilot.press("enter")
        await settle(pilot)
        assert not pay.is_open
        gc.block(second, by=ui_staff["senior_cashier"], reason="lost", clock=clock)
        await type_code(pilot, second)
        assert screen.last_message == (
            f"Certificate {second} is blocked (lost): keep it and call a manager."
        )
    receipt = Receipt.select().order_by(Receipt.id.desc()).first()
    paid = {p.tender: p.amount for p in Payment.select().where(Payment.receipt == receipt.id)}
    assert paid == {"certificate": 10000, "cash": 8990}
    assert gc.state(first, clock()).status == "used"
