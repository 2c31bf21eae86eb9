"""The register with a loyalty card, driven by keys at 80x24 (issue 8): a card scanned into
the code field attaches its customer; paying with bonuses, all (F2) and part (an amount, then
F2; shift+F2 asks), ending in the right ledger rows; the change onto the card; a VIP sale on
account with the overdue debt highlighted; F6 with a phone several cards share; why this
price (F11, or ? in the code field)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from textual.widgets import Label

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.customers.service import CardData, create_customer
from torgtui.db import write_tx
from torgtui.marketing import bonuses, ledger, policy, vip
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import (
    Barcode,
    CashMovement,
    Customer,
    LedgerEntry,
    Location,
    Payment,
    Product,
    Receipt,
    ReceiptLine,
)
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale import SaleScreen
from torgtui.screens.sale_dialogs import AskScreen, PickScreen
from torgtui.screens.why_price import WhyPriceScreen

from .helpers import label_text, log_in, make_settings, settle, type_then_enter

T0 = dt.datetime(2026, 11, 1, 9, 0)
BONUS_CARD = make_ean13("29", 11)
DISCOUNT_CARD = make_ean13("29", 12)
VIP_CARD = make_ean13("29", 13)
BLOCKED_CARD = make_ean13("29", 14)


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "devices.printer": "screen", "devices.fiscal": "none"},
    )


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")
    products, codes = {}, {}
    for i, (sku, name, price) in enumerate(
        (("T-1", "Green tea", 3500), ("C-1", "Hand cream", 18990), ("D-1", "Dress", 120000)),
        start=1,
    ):
        products[sku] = Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=T0, updated_at=T0
        )
        codes[sku] = make_ean13("21", i)
        Barcode.create(code=codes[sku], product=products[sku])
    manager = ui_staff["manager"]

    def card_type(code: str, kind: str, **kw):
        data = CardTypeData(code=code, name=code.title(), kind=kind, **kw)
        return save_card_type(data, by=manager, clock=clock)

    bonus_type = card_type("bonus5", "bonus", bonus_percent=Decimal(5), bonus_expiry_days=90)
    gold = card_type("gold", "discount", percent=Decimal(5))
    olha = Customer.create(
        name="Olha Bonus", card=BONUS_CARD, card_type=bonus_type.id, created_at=T0, updated_at=T0
    )
    with write_tx():  # 200.00 in bonuses earned earlier, lapsing in a month
        ledger.post(
            bonuses.account_of(olha.id, T0),
            20000,
            "earn",
            now=T0,
            expires_at=clock() + dt.timedelta(days=30),
        )
    taras = Customer.create(
        name="Taras Gold", card=DISCOUNT_CARD, card_type=gold.id, created_at=T0, updated_at=T0
    )
    Customer.create(
        name="Lost Card",
        card=BLOCKED_CARD,
        card_type=gold.id,
        card_status="blocked",
        created_at=T0,
        updated_at=T0,
    )
    return {"location": loc, "codes": codes, "products": products, "olha": olha, "taras": taras}


@pytest.fixture
def shifted(shop, ui_staff, clock):
    return open_shift(ui_staff["cashier"], "till-1", shop["location"], 50000, clock=clock)


async def open_sale(pilot) -> SaleScreen:
    await log_in(pilot, "Kateryna Cashier", "3333")
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await settle(pilot)


def shown(screen: SaleScreen, selector: str) -> str:
    label = screen.query_one(selector, Label)
    return str(label.content) if label.display else ""


def entries(customer_id: int) -> list[tuple[str, int]]:
    account = bonuses.account_of(customer_id, T0)
    return [
        (e.kind, e.amount)
        for e in LedgerEntry.select().where(LedgerEntry.account == account).order_by(LedgerEntry.id)
    ]


def payments(receipt: Receipt) -> dict[str, int]:
    return {p.tender: p.amount for p in Payment.select().where(Payment.receipt == receipt.id)}


# --- the code field ------------------------------------------------------------------------


async def test_a_card_scanned_into_the_code_field_attaches_its_customer(
    settings, shifted, shop, clock
):
    app = TorgApp(settings, clock=clock)
    bells: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        screen = await open_sale(pilot)
        await type_code(pilot, shop["codes"]["T-1"])
        await type_code(pilot, BLOCKED_CARD)
        assert "is blocked" in screen.last_message and bells
        assert screen.register.basket.customer_id is None
        await type_code(pilot, BONUS_CARD)
        assert screen.register.basket.customer_id == shop["olha"].id
        assert "is blocked" not in shown(screen, "#sale-info")  # the refusal is over
        assert [ln.sku for ln in screen.register.basket.lines] == ["T-1"]  # no line for it
        info = shown(screen, "#sale-info")
        assert "Olha Bonus" in info and BONUS_CARD in info and "bonuses 5%" in info
        # 200.00 on the card; 5% of 35.00 = 1.75 for this receipt
        assert shown(screen, "#sale-bonus") == "Bonuses 200.00 ₴ · +1.75 ₴ for this receipt"
        assert shown(screen, "#sale-keys") == "F2 bonuses · F11 why"
        assert shown(screen, "#sale-vip") == ""
        await type_code(pilot, DISCOUNT_CARD)  # another customer's card: refused in words
        assert "is for Olha Bonus already" in screen.last_message
        await type_code(pilot, "3*" + BONUS_CARD)
        assert "without a quantity" in screen.last_message


# --- paying with bonuses --------------------------------------------------------------------


async def test_all_bonuses_by_one_key_then_cash_for_the_rest(settings, shifted, shop, clock):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, BONUS_CARD)
        await type_code(pilot, shop["codes"]["T-1"])
        await type_code(pilot, shop["codes"]["C-1"])  # 35.00 + 189.90 = 224.90
        await pilot.press("f2")
        await settle(pilot)
        assert screen.last_message == "200.00 ₴ of this receipt is paid with bonuses."
        assert "paying 200.00 ₴" in shown(screen, "#sale-bonus")
        assert label_text(app, "#sale-topay") == "To pay 24.90 ₴"
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        assert pay.is_open
        assert str(pay.query_one("#pay-total").content) == "To pay: 24.90 ₴"
        assert str(pay.query_one("#pay-bonus").content) == "Bonuses pay 200.00 ₴ of 224.90 ₴"
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        assert app.screen is screen
        banner = screen.query_one("#sale-lines").banner_text
    receipt = Receipt.get()
    assert payments(receipt) == {"bonus": 20000, "cash": 2490}
    earned = sum(ln.bonus_earned for ln in ReceiptLine.select())
    # 5% per line of what it cost less its share of the bonuses (31.12 and 168.88):
    # 3.88 -> 0.19 and 21.02 -> 1.05
    assert earned == 124
    assert entries(olha.id) == [("earn", 20000), ("spend", -20000), ("earn", 124)]
    assert bonuses.balance_of(olha.id) == 124
    assert "spent 200.00 ₴" in banner and "balance 1.24 ₴" in banner
    assert "Bonuses +1.24 ₴" in banner


async def test_bonuses_that_pay_the_whole_receipt(settings, shifted, shop, clock):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["codes"]["T-1"])  # 35.00
        await pilot.press("f2")  # no customer yet: said what to do
        await settle(pilot)
        assert screen.last_message == (
            "Attach the customer's card first (F6), then pay with bonuses."
        )
        await type_code(pilot, BONUS_CARD)
        await pilot.press("f2")
        await settle(pilot)
        assert label_text(app, "#sale-topay") == "To pay 0.00 ₴"
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        assert str(pay.query_one("#pay-mode").content) == "Paid with bonuses in full: press Enter."
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
    receipt = Receipt.get()
    assert payments(receipt) == {"bonus": 3500}
    assert entries(olha.id) == [("earn", 20000), ("spend", -3500)]  # nothing earned on it


async def test_part_of_the_bonuses_typed_then_f2_and_undone_with_zero(
    settings, shifted, shop, clock
):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["codes"]["C-1"])  # 189.90
        await type_code(pilot, BONUS_CARD)
        await pilot.press(*"50", "f2")  # an amount typed first, then F2
        await settle(pilot)
        assert screen.register.basket.bonus_redeem == 5000
        assert screen.code.value == ""
        assert label_text(app, "#sale-topay") == "To pay 139.90 ₴"
        await pilot.press(*"0", "f2")  # 0 then F2: none
        await settle(pilot)
        assert screen.register.basket.bonus_redeem == 0
        assert screen.last_message == "No bonuses on this receipt."
        await pilot.press(*"500", "f2")  # more than the card has: refused in words
        await settle(pilot)
        assert "Only 200.00 ₴ in bonuses can be spent" in screen.last_message
        assert screen.register.basket.bonus_redeem == 0
        assert screen.code.value == ""
        await pilot.press("shift+f2")  # asks for the amount
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await type_then_enter(pilot, "40.50")
        await settle(pilot)
        assert screen.register.basket.bonus_redeem == 4050
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press("f3", "enter")  # the rest by card
        await settle(pilot)
        assert app.screen is screen
    receipt = Receipt.get()
    assert payments(receipt) == {"bonus": 4050, "card": 14940}
    assert entries(olha.id) == [("earn", 20000), ("spend", -4050), ("earn", 747)]
    assert bonuses.balance_of(olha.id) == 20000 - 4050 + 747


async def test_the_change_goes_onto_the_card_by_one_key(settings, shifted, shop, ui_staff, clock):
    olha = shop["olha"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, BONUS_CARD)
        await type_code(pilot, shop["codes"]["C-1"])  # 189.90
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        await pilot.press(*"200")
        await settle(pilot)
        change = str(pay.query_one("#pay-change").content)
        assert change == "Change: 10.10 ₴ · F6: onto the card"
        await pilot.press("f6")
        await settle(pilot)
        change = str(pay.query_one("#pay-change").content)
        assert change == "Change: 10.10 ₴ · 10.10 ₴ to the card (F6: undo)"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        banner = screen.query_one("#sale-lines").banner_text
    receipt = Receipt.get()
    assert "CHANGE 0.00 ₴  (10.10 ₴ onto the card)" in banner
    assert entries(olha.id) == [("earn", 20000), ("earn", 950), ("change", 1010)]
    moved = CashMovement.get(CashMovement.kind == "to_card")
    assert (moved.amount, moved.note) == (1010, f"receipt:{receipt.id}")
    # the coins only, when the shop says so
    policy.save(policy.LoyaltyPolicy(change_to_card="coins"), by=ui_staff["manager"])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, BONUS_CARD)
        await type_code(pilot, shop["codes"]["C-1"])
        await pilot.press("f12")
        await settle(pilot)
        await pilot.press(*"200", "f6", "enter")
        await settle(pilot)
        banner = screen.query_one("#sale-lines").banner_text
    assert "CHANGE 10.00 ₴" in banner
    assert entries(olha.id)[-1] == ("change", 10)


async def test_no_change_to_card_without_a_customer(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await type_code(pilot, shop["codes"]["T-1"])
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        assert not pay.check_action("to_card", ())
        assert not pay.check_action("mode", ("account",))
        await pilot.press(*"50", "f6", "f5")  # do nothing: no customer
        await settle(pilot)
        assert pay.mode == "cash" and not pay.to_card
        assert str(pay.query_one("#pay-change").content) == "Change: 15.00 ₴"


# --- VIP ------------------------------------------------------------------------------------


async def test_a_vip_sale_on_account_with_the_overdue_debt_highlighted(
    settings, shop, ui_staff, clock
):
    cashier = ui_staff["cashier"]
    before = clock() - dt.timedelta(days=20)  # a debt made 20 days ago, due in 14
    shift = open_shift(cashier, "till-1", shop["location"], 0, clock=lambda: before)
    olena = Customer.create(name="Olena VIP", card=VIP_CARD, created_at=T0, updated_at=T0)
    vip.set_vip(olena.id, "credit", limit=100000, term_days=14, by=ui_staff["manager"])
    old = Register(cashier, register="till-1", clock=lambda: before)
    old.add(shop["products"]["C-1"], 1000)
    old.attach_customer(olena)
    commit_sale(
        old.priced(),
        [Tender("credit", 18990)],
        uuid=old.uuid,
        employee=cashier,
        shift=shift,
        cash_step=10,
        clock=lambda: before,
        fiscal=False,
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, VIP_CARD)
        vip_line = screen.query_one("#sale-vip", Label)
        assert vip_line.display and vip_line.has_class("-warning")
        assert str(vip_line.content) == (
            "VIP: Overdue debt 189.90 ₴, 6 days past the term: ask for payment."
        )
        await type_code(pilot, shop["codes"]["D-1"])  # 1 200.00
        await type_code(pilot, shop["codes"]["T-1"])  # 35.00
        await pilot.press("f12")
        await settle(pilot)
        pay = app.screen.query_one(PaymentPanel)
        assert pay.check_action("mode", ("account",))
        await pilot.press("f5")
        await settle(pilot)
        assert pay.mode == "account"
        assert "up to 810.10 ₴" in str(pay.query_one("#pay-mode").content)
        # 1 235.00 is due: all the account allows is offered, the rest will be cash
        assert pay.query_one("#pay-account").value == "810.10"
        await pilot.press(*"1300", "enter")
        await settle(pilot)
        assert "can go on account: that is all" in str(pay.query_one("#pay-message").content)
        pay.query_one("#pay-account").value = ""
        await pilot.press(*"900", "enter")  # beyond the limit: refused
        await settle(pilot)
        message = str(pay.query_one("#pay-message").content)
        assert message == "Olena VIP may buy at most 810.10 ₴ on account: type that or less."
        assert pay.is_open
        pay.query_one("#pay-account").value = ""
        await pilot.press(*"800", "enter")  # 800.00 on account, Enter: then the cash
        await settle(pilot)
        assert pay.screen.focused is pay.query_one("#pay-cash")
        await pilot.press("enter")  # 435.00 in cash, exact
        await settle(pilot)
        assert app.screen is screen
        banner = screen.query_one("#sale-lines").banner_text
    receipt = Receipt.select().order_by(Receipt.id.desc()).get()
    assert payments(receipt) == {"credit": 80000, "cash": 43500}
    assert "Charged on account 800.00 ₴" in banner
    state = vip.state_of(olena.id, clock())
    assert (state.debt, state.overdue, state.available) == (98990, 18990, 1010)
    charge = LedgerEntry.get((LedgerEntry.receipt == receipt.id) & (LedgerEntry.kind == "charge"))
    assert charge.amount == -80000


# --- F6: one phone, several cards -----------------------------------------------------------


async def test_f6_offers_the_cards_that_share_a_phone(settings, shifted, shop, ui_staff, clock):
    manager = ui_staff["manager"]
    mother = create_customer(CardData(name="Iryna Mother", phones=["0671112233"]), by=manager)
    son = create_customer(
        CardData(name="Ivan Son", phones=["0671112233"]), by=manager, share_phone=True
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await type_then_enter(pilot, "067 111 22 33")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert [key for key, _text in pick.options] == [str(mother.id), str(son.id)]
        assert "2 cards have this phone" in pick.title_text
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.register.basket.customer_id == son.id
        assert shown(screen, "#sale-info") == "Customer: Ivan Son"


# --- why this price -------------------------------------------------------------------------


async def test_why_this_price_shows_the_line_and_the_receipt(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f11")
        await settle(pilot)
        assert screen.last_message == "The receipt is empty: scan something first."
        await type_code(pilot, DISCOUNT_CARD)
        await type_code(pilot, shop["codes"]["T-1"])
        await type_code(pilot, shop["codes"]["C-1"])
        assert shown(screen, "#sale-keys") == "F11 why this price"
        await pilot.press("f11")
        await settle(pilot)
        why = app.screen
        assert isinstance(why, WhyPriceScreen)
        text = why.text
        assert "Line 2 of 2: Hand cream" in text
        assert "Card: Card Gold 5% [gold]" in text and "-9.50 ₴" in text
        assert "Line total" in text and "180.40 ₴" in text
        assert f"Card {DISCOUNT_CARD}: Gold (discount card), active" in text
        assert "Discount 5%" in text
        await pilot.press("left")  # the other line
        assert "Line 1 of 2: Green tea" in why.text and "-1.75 ₴" in why.text
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("?")  # the same from the code field, where F11 is the terminal's
        await settle(pilot)
        assert isinstance(app.screen, WhyPriceScreen)
        assert "Line 2 of 2" in app.screen.text
