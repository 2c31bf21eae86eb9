"""Refer a Friend at the register by keys at 80x24: the friend's card, the goods, the code typed
into the one code field (confirmed in words; the referrer's own card refused with a bell), the
discount on the receipt, and on payment the code spent and the referrer's bonus accrued."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.marketing import bonuses, referral
from torgtui.marketing.referral import CampaignTerms
from torgtui.models import Barcode, Customer, Location, Product
from torgtui.models.referral import ReferralCode
from torgtui.sales.shifts import open_shift
from torgtui.screens.sale import SaleScreen

from .helpers import label_text, log_in, make_settings, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)
OLENA, IRYNA = make_ean13("29", 41), make_ean13("29", 42)


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "devices.printer": "screen", "devices.fiscal": "none"},
    )


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    location = Location.create(code="MAIN", name="Kvitka")
    dress = Product.create(
        sku="D-1", name="Dress", price=120000, cost=60000, created_at=T0, updated_at=T0
    )
    Barcode.create(code=make_ean13("21", 1), product=dress)
    olena = Customer.create(name="Olena", card=OLENA, created_at=T0, updated_at=T0)
    Customer.create(name="Iryna", card=IRYNA, created_at=T0, updated_at=T0)
    made = referral.create_campaign(
        olena.id,
        CampaignTerms(dt.date(2026, 11, 1), 30, Decimal(10), "fixed", bonus_amount=5000, codes=1),
        by=ui_staff["manager"],
        clock=clock,
    )
    open_shift(ui_staff["cashier"], "till-1", location, 50000, clock=clock)
    return {"code": made.codes[0], "olena": olena, "dress": make_ean13("21", 1)}


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


async def test_a_friend_pays_with_a_referral_code(settings, shop, clock) -> None:
    app = TorgApp(settings, clock=clock)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        await pilot.press("1")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SaleScreen)
        await type_code(pilot, OLENA)  # the referrer herself
        await type_code(pilot, shop["dress"])
        await type_code(pilot, shop["code"].lower())
        assert "nobody can refer themselves" in screen.last_message and bells
        await pilot.press("f6")  # a customer: the friend's card
        await settle(pilot)
        await type_code(pilot, IRYNA)
        await type_code(pilot, shop["code"])
        assert screen.last_message == (
            f"Referral code {shop['code']}: 10% off everything for a friend of Olena"
        )
        assert "Total 1\u202f200.00 ₴   Discount 120.00 ₴" in label_text(app, "#sale-totals")
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("enter")  # cash, exact
        await settle(pilot)
        used = ReferralCode.get(ReferralCode.code == shop["code"])
        assert used.receipt_id is not None and used.purchase == 108000
        assert bonuses.balance_of(shop["olena"].id) == 5000
