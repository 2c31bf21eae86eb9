"""SMS codes at the register by keys at 80x24: a forgotten card attached by phone with the
code the customer reads out (F6 with a phone; wrong and malformed codes said in words), and
paying with bonuses (F2) after the customer's code, ending in the right ledger rows; Escape
at the code takes the bonuses off; a senior's PIN lets a card without a phone pay."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.db import write_tx
from torgtui.marketing import bonuses, ledger
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import (
    AuditEntry,
    Barcode,
    Customer,
    CustomerPhone,
    LedgerEntry,
    Location,
    OutboxMessage,
    Payment,
    Product,
    Receipt,
)
from torgtui.models.verification import VerificationCode
from torgtui.sales.shifts import open_shift
from torgtui.screens.approval import SeniorPinScreen
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale import SaleScreen
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen
from torgtui.screens.sale_verify import CodeScreen

from .helpers import log_in, make_settings, settle, type_then_enter
from .snapshots import ellipsis_cuts, find_cuts

T0 = dt.datetime(2026, 11, 1, 9, 0)
PHONE = "+380671234567"
CARD = make_ean13("29", 21)


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "devices.printer": "screen",
            "devices.fiscal": "none",
            "verification.identify_by_phone": "code",
            "verification.bonus_confirm": "above",
            "verification.bonus_confirm_above": 5000,
        },
    )


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")
    cream = Product.create(
        sku="C-1", name="Hand cream", price=18990, cost=9000, created_at=T0, updated_at=T0
    )
    Barcode.create(code=make_ean13("21", 1), product=cream)
    card_type = save_card_type(
        CardTypeData(code="bonus5", name="Bonus", kind="bonus", bonus_percent=Decimal(5)),
        by=ui_staff["manager"],
        clock=clock,
    )
    olha = Customer.create(
        name="Olha Bonus",
        card=CARD,
        card_type=card_type.id,
        phone=PHONE,
        language="en",
        created_at=T0,
        updated_at=T0,
    )
    CustomerPhone.create(customer=olha, phone=PHONE)
    nophone = Customer.create(
        name="No Phone", card=make_ean13("29", 22), card_type=card_type.id, created_at=T0
    )
    with write_tx():
        for c in (olha, nophone):
            ledger.post(bonuses.account_of(c.id, T0), 20000, "earn", now=T0)
    open_shift(ui_staff["cashier"], "till-1", loc, 50000, clock=clock)
    return {"cream": make_ean13("21", 1), "olha": olha, "nophone": nophone}


async def open_sale(pilot) -> SaleScreen:
    await log_in(pilot, "Kateryna Cashier", "3333")
    await pilot.press("1")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SaleScreen)
    return pilot.app.screen


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


def last_code() -> str:
    """What the customer's phone got: the newest SMS in the outbox."""
    message = OutboxMessage.select().order_by(OutboxMessage.id.desc()).get()
    assert message.kind == "verification_code" and message.address == PHONE
    return re.search(r"\d{4}", message.text).group(0)


def other_than(code: str) -> str:
    return str((int(code) + 1) % 10000).zfill(4)


async def test_a_forgotten_card_attached_by_phone_with_the_code(settings, shop, clock):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await type_then_enter(pilot, "067 123 45 67")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CodeScreen)
        assert find_cuts(app) == [] and ellipsis_cuts(app) == []  # all of it reads at 80x24
        where = str(dialog.query_one("#verify-where").content)
        assert "+38067 *** ** 67" in where and "valid until 10:05" in where  # masked
        code = last_code()
        assert "Your code: " in OutboxMessage.get().text  # the card's language
        await type_then_enter(pilot, "12a4")
        await settle(pilot)
        assert dialog.message == "The code has only digits: '12a4' has letters or signs. Retype it."
        await type_then_enter(pilot, other_than(code))
        await settle(pilot)
        assert dialog.message == "Wrong code: 2 tries left."
        assert screen.register.basket.customer_id is None
        await pilot.press("escape")  # closed by mistake: F6 again takes up the same code
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f6")
        await settle(pilot)
        await type_then_enter(pilot, "0671234567")
        await settle(pilot)
        assert isinstance(app.screen, CodeScreen) and OutboxMessage.select().count() == 1
        await type_then_enter(pilot, code)
        await settle(pilot)
        assert app.screen is screen
        assert screen.register.basket.customer_id == olha.id
        assert screen.last_message == "Confirmed by SMS code: Olha Bonus's card is attached."
    row = VerificationCode.get()
    assert (row.purpose, row.state, row.attempts) == ("identify", "used", 2)
    actions = [e.action for e in AuditEntry.select() if e.action.startswith("verification.")]
    assert actions == ["verification.sent", "verification.failed", "verification.passed"]


async def test_f6_with_the_card_number_needs_no_code(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press(*CARD, "enter")
        await settle(pilot)
        assert app.screen is screen and screen.register.basket.customer_id == shop["olha"].id
    assert VerificationCode.select().count() == 0


async def test_bonuses_above_the_amount_paid_after_the_customers_code(settings, shop, clock):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, CARD)
        await type_code(pilot, shop["cream"])  # 189.90
        await pilot.press("f2")  # all 200.00 would pay 189.90: above 50.00, a code
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CodeScreen)
        assert find_cuts(app) == [] and ellipsis_cuts(app) == []
        assert dialog.title_text == "Paying 189.90 ₴ with bonuses: the customer's SMS code"
        await pilot.press("escape")  # the customer cannot read it: no bonuses
        await settle(pilot)
        assert app.screen is screen and screen.register.basket.bonus_redeem == 0
        assert screen.last_message == (
            "No bonuses on this receipt: the customer's code was not confirmed."
        )
        await pilot.press(*"50", "f2")  # 50.00: at the amount, no code asked
        await settle(pilot)
        assert app.screen is screen and screen.register.basket.bonus_redeem == 5000
        await pilot.press(*"150", "f2")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CodeScreen)
        clock.advance(seconds=60)
        await pilot.press("f5")  # a new code after the cooldown
        await settle(pilot)
        assert dialog.message == "A new code was sent: the one before no longer works."
        await type_then_enter(pilot, last_code())
        await settle(pilot)
        assert app.screen is screen
        assert screen.last_message == "150.00 ₴ of this receipt is paid with bonuses."
        await pilot.press("f12")
        await settle(pilot)
        assert app.screen.query_one(PaymentPanel).is_open
        await pilot.press("enter")  # the rest in cash
        await settle(pilot)
        assert app.screen is screen
    receipt = Receipt.get()
    paid = {p.tender: p.amount for p in Payment.select().where(Payment.receipt == receipt.id)}
    assert paid == {"bonus": 15000, "cash": 3990}
    spent = LedgerEntry.get((LedgerEntry.receipt == receipt.id) & (LedgerEntry.kind == "spend"))
    earned = LedgerEntry.get((LedgerEntry.receipt == receipt.id) & (LedgerEntry.kind == "earn"))
    assert spent.amount == -15000 and earned.amount == 200  # 5% of the 39.90 paid in cash
    assert bonuses.balance_of(olha.id) == 20000 - 15000 + 200
    states = [r.state for r in VerificationCode.select().order_by(VerificationCode.id)]
    # the code sent first (for 189.90) served 150.00 too: no second SMS until F5
    assert states == ["replaced", "used"]


async def test_a_card_without_a_phone_pays_with_a_seniors_pin(settings, shop, clock):
    nophone = shop["nophone"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, nophone.card)
        await type_code(pilot, shop["cream"])
        await pilot.press("f2")
        await settle(pilot)
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        assert "card has no phone" in question.question
        await pilot.press("y")
        await settle(pilot)
        pin = app.screen
        assert isinstance(pin, SeniorPinScreen)
        assert {e.name for e in pin.confirmers} == {
            "Serhii Senior",
            "Maria Manager",
            "Olena Owner",
        }
        while pin.query_one("#senior-list").highlighted_option.prompt.plain.split(" ·")[0] != (
            "Serhii Senior"
        ):
            await pilot.press("down")
        await type_then_enter(pilot, "4444")
        await settle(pilot)
        assert app.screen is screen
        assert screen.register.basket.bonus_redeem == 18990
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    receipt = Receipt.get()
    assert {p.tender: p.amount for p in Payment.select()} == {"bonus": 18990}
    row = VerificationCode.get()
    assert (row.state, row.customer_id, row.amount) == ("skipped", nophone.id, 18990)
    assert receipt.customer_id == nophone.id
