"""The register's flows of issue 7: a senior's confirmation offered to exactly those who may
give it, scans that never answer a dialog, typed numbers refused in words, weighed goods,
case-insensitive search, the unfinished receipts, the screen printer, and bounded amounts."""

from __future__ import annotations

import datetime as dt

import pytest
from textual import events

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.models import (
    AuditEntry,
    Barcode,
    Draft,
    Employee,
    Location,
    Payment,
    Product,
    Receipt,
    ReceiptLine,
)
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift
from torgtui.screens.approval import SeniorPinScreen
from torgtui.screens.held import HeldScreen
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.product_search import search_products
from torgtui.screens.returns import ReturnScreen
from torgtui.screens.sale import BarcodeScanned, SaleScreen
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen, ReceiptTextScreen

from .helpers import label_text, log_in, make_settings, message_line, settle, type_then_enter

T0 = dt.datetime(2026, 11, 1, 9, 0)


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

    def product(sku: str, name: str, price: int, cost: int, **kw: object) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=cost, created_at=T0, updated_at=T0, **kw
        )

    tea = product("T-1", "Green tea", 3500, 1750)
    cream = product("C-1", "Hand cream", 18990, 9000)
    dress = product("D-1", "Сукня літня", 120000, 100000)
    cheese = product("CH-1", "Cheese", 40000, 20000, unit="kg", weighed=True)
    codes = {
        "tea": make_ean13("21", 1),
        "cream": make_ean13("21", 2),
        "dress": make_ean13("21", 3),
        "cheese": make_ean13("21", 4),
    }
    for key, item in (("tea", tea), ("cream", cream), ("dress", dress), ("cheese", cheese)):
        Barcode.create(code=codes[key], product=item)
    products = {"p_tea": tea, "p_cream": cream, "p_dress": dress, "p_cheese": cheese}
    return {"location": loc, **products, **codes}


def shift_for(ui_staff, shop, clock, role: str = "cashier"):
    return open_shift(ui_staff[role], "till-1", shop["location"], 50000, clock=clock)


NAMES = {
    "owner": ("Olena Owner", "1111"),
    "manager": ("Maria Manager", "2222"),
    "cashier": ("Kateryna Cashier", "3333"),
    "senior_cashier": ("Serhii Senior", "4444"),
}


async def open_sale(pilot, role: str = "cashier") -> SaleScreen:
    name, pin = NAMES[role]
    await log_in(pilot, name, pin)
    await pilot.press("1")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


def lines(screen: SaleScreen) -> list[tuple[str, int]]:
    assert screen.register is not None
    return [(ln.sku, ln.qty) for ln in screen.register.basket.lines]


async def type_code(pilot, text: str) -> None:
    await pilot.press(*text, "enter")
    await pilot.pause()


def offered(app: TorgApp) -> list[str]:
    dialog = app.screen
    assert isinstance(dialog, SeniorPinScreen)
    return [e.name for e in dialog.confirmers]


async def confirm_as(pilot, name: str, pin: str) -> None:
    """In the senior-PIN dialog: move to ``name``, type ``pin``, Enter, wait for the grant."""
    dialog = pilot.app.screen
    names = [e.name for e in dialog.confirmers]
    for _step in range(names.index(name)):
        await pilot.press("down")
    await pilot.press(*pin, "enter")
    await settle(pilot)


def post_keys(target, keys: list[str], *, start: float, gap: float) -> None:
    """``keys`` posted to ``target`` (the app, or a widget) at once, ``gap`` seconds apart
    by their time stamps, all queued before the first is taken."""
    t = start
    for ch in keys:
        event = events.Key(ch, ch if len(ch) == 1 else None)
        event.time = t
        t += gap
        target.post_message(event)


async def burst(pilot, text: str, *, start: float = 100.0, gap: float = 0.001) -> None:
    """Keys as a keyboard-wedge scanner sends them: fast, then Enter, through the app."""
    post_keys(pilot.app, [*text, "enter"], start=start, gap=gap)
    await pilot.pause()
    await settle(pilot)


# --- 1. the approval flow ----------------------------------------------------------------


async def test_discount_offers_exactly_who_may_then_a_wrong_and_a_right_pin(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["cream"])
        await pilot.press("f5")
        await type_then_enter(pilot, "10%")
        await settle(pilot)
        # 10% is within a senior cashier's limit: she, the manager and the owner may
        assert offered(app) == ["Maria Manager", "Olena Owner", "Serhii Senior"]
        assert "at most 0%" in str(app.screen.query_one("#senior-reason").content)
        await confirm_as(pilot, "Serhii Senior", "9999")
        assert isinstance(app.screen, SeniorPinScreen)
        assert "Wrong PIN" in app.screen.message
        assert Employee.get_by_id(ui_staff["senior_cashier"].id).failed_logins == 1
        await pilot.press(*"4444", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.register.priced().total == 18990 - 1899
        # 35% is beyond a manager's 30%: only the owner is offered, before anyone types a PIN
        await pilot.press("f5")
        await type_then_enter(pilot, "35%")
        await settle(pilot)
        assert offered(app) == ["Olena Owner"]


async def test_a_manager_over_her_limit_is_not_offered_herself(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock, "manager")
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot, "manager")
        await type_code(pilot, shop["cream"])
        await pilot.press("f5")
        await type_then_enter(pilot, "20%")  # within her own limit: no dialog at all
        await settle(pilot)
        assert app.screen is screen and screen.register.basket.manual_discounts
        await pilot.press("f5")
        await type_then_enter(pilot, "40%")
        await settle(pilot)
        assert offered(app) == ["Olena Owner"]
        await confirm_as(pilot, "Olena Owner", "1111")
        assert app.screen is screen
        assert screen.register.priced().total == 18990 - 7596


async def test_nobody_here_may_confirm_says_who_could(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    Employee.update(active=False).where(Employee.role != "cashier").execute()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["cream"])
        await pilot.press("f5")
        await type_then_enter(pilot, "5%")
        await settle(pilot)
        assert app.screen is screen
        assert "Nobody on the staff list here can confirm it" in screen.last_message
        assert "a senior cashier, a manager or the owner" in screen.last_message
        assert not screen.register.basket.manual_discounts


async def test_cancel_and_price_change_are_confirmed_by_those_who_may(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("f5")
        await type_then_enter(pilot, "=30")  # a new price: a manager's or the owner's right
        await settle(pilot)
        assert offered(app) == ["Maria Manager", "Olena Owner"]
        await confirm_as(pilot, "Maria Manager", "2222")
        assert screen.register.priced().total == 3000
        await pilot.press("escape")  # cancel the receipt: Y, then a senior confirms
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert offered(app) == ["Maria Manager", "Olena Owner", "Serhii Senior"]
        await confirm_as(pilot, "Serhii Senior", "4444")
        assert lines(screen) == [] and Draft.select().count() == 0
    entry = AuditEntry.get(AuditEntry.action == "receipt.cancel")
    assert str(ui_staff["senior_cashier"].id) in entry.after


async def test_below_cost_is_shown_and_confirmed_before_the_payment(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock, "manager")
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot, "manager")
        await type_code(pilot, shop["dress"])  # 1200.00, cost 1000.00
        await pilot.press("f5")
        await type_then_enter(pilot, "25%")  # 900.00: 100.00 below cost
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert offered(app) == ["Olena Owner"]
        reason = str(app.screen.query_one("#senior-reason").content)
        assert "Сукня літня" in reason and "100.00" in reason
        await confirm_as(pilot, "Olena Owner", "1111")
        assert app.screen.query_one(PaymentPanel).is_open
        await pilot.press("f3", "enter")
        await settle(pilot)
        assert app.screen is screen
    assert Receipt.get().total == 90000


async def test_an_old_receipt_comes_back_with_a_seniors_pin(settings, shop, ui_staff, clock):
    cashier = ui_staff["cashier"]
    old = clock() - dt.timedelta(days=30)
    then = open_shift(cashier, "till-1", shop["location"], 0, clock=lambda: old)
    reg = Register(cashier, register="till-1", clock=lambda: old)
    reg.add(shop["p_tea"], 1000)
    receipt = commit_sale(
        reg.priced(),
        [Tender("cash", 3500)],
        uuid=reg.uuid,
        employee=cashier,
        shift=then,
        cash_step=10,
        clock=lambda: old,
        fiscal=False,
    )
    from torgtui.sales.shifts import close_shift

    close_shift(then, cashier, 3500, clock=lambda: old, fiscal=False)
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        screen = ReturnScreen()
        app.push_screen(screen)
        await settle(pilot)
        await pilot.press(*str(receipt.number), "enter")
        await settle(pilot)
        await pilot.press("w", "f2")
        await settle(pilot)
        assert offered(app) == ["Maria Manager", "Olena Owner", "Serhii Senior"]
        assert "30 days old" in str(app.screen.query_one("#senior-reason").content)
        await confirm_as(pilot, "Serhii Senior", "4444")
        assert app.screen is screen and screen.done is not None
    assert Receipt.select().where(Receipt.kind == "return").count() == 1


# --- 2. and 3. scans in dialogs and after a refused quantity ----------------------------


async def test_a_scan_never_answers_cancel_this_receipt(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock, "senior_cashier")
    app = TorgApp(settings, clock=clock)
    bells: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        screen = await open_sale(pilot, "senior_cashier")
        await type_code(pilot, shop["tea"])
        await pilot.press("escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        await burst(pilot, shop["cream"])
        assert app.screen is dialog  # not answered
        assert lines(screen) == [("T-1", 1000)]  # not cancelled, nothing added
        assert bells and app.scan_guard.refused == 1
        assert "A scan does not answer a dialog" in [n.message for n in app._notifications][-1]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and lines(screen) == [("T-1", 1000)]


async def test_a_scan_into_a_dialogs_field_is_refused_and_undone(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("f4")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AskScreen)
        await burst(pilot, shop["cream"])
        assert app.screen is dialog
        assert dialog.query_one("#ask-input").value == "1"  # as it was before the scan
        assert lines(screen) == [("T-1", 1000)]


async def test_a_refused_quantity_refuses_the_scan_behind_it(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        code = screen.code
        post_keys(code, [*"999999999*", *shop["tea"], "enter"], start=50.0, gap=0.0003)
        await settle(pilot)
        assert lines(screen) == []
        assert code.value == ""
        assert "Nothing added" in screen.last_message
        assert "too large a quantity" in message_line(screen)
        await type_code(pilot, shop["tea"])  # the next scan sells as usual
        assert lines(screen) == [("T-1", 1000)]


async def test_a_burst_goes_into_the_code_field_in_one_insert_typing_key_by_key(
    settings, shop, ui_staff, clock
):
    """A scanner's keys queued at once are inserted together (performance.md, item 16);
    keys typed by hand go in one by one, and "*" sees the field whole."""
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        code = screen.code
        inserts: list[str] = []
        insert = code.insert_text_at_cursor

        def counted(text: str) -> None:
            inserts.append(text)
            insert(text)

        code.insert_text_at_cursor = counted  # type: ignore[method-assign]
        for key, shown in (("1", "1"), ("2", "12"), ("backspace", "1"), ("3", "13")):
            await pilot.press(key)
            await pilot.pause()
            assert code.value == shown and code.cursor_position == len(shown)
        assert inserts == ["1", "2", "3"]
        await pilot.press("backspace", "backspace")
        inserts.clear()
        await burst(pilot, shop["tea"])  # through the app, as the terminal's keys come
        assert inserts == [shop["tea"]]
        assert lines(screen) == [("T-1", 1000)] and code.value == ""
        inserts.clear()
        post_keys(code, ["2", "*", *shop["cream"], "enter"], start=300.0, gap=0.0003)
        await settle(pilot)
        assert inserts == ["2", shop["cream"]]  # "*" took the field whole: "2"
        assert lines(screen) == [("T-1", 1000), ("C-1", 2000)] and code.value == ""


# --- 4. 8. 9. search, typed numbers, weighed goods --------------------------------------


def test_name_search_ignores_case_in_cyrillic(shop):
    for text in ("сукня", "СУКНЯ", "Сукня", "укня літ"):
        assert [f.sku for f in search_products(text)] == ["D-1"], text
    assert [f.sku for f in search_products("%")] == []  # a literal percent, not a wildcard
    assert [f.sku for f in search_products("e", limit=2)] == ["CH-1", "T-1"]
    page2 = search_products("e", limit=2, after=("Green tea", shop["p_tea"].id))
    assert [f.sku for f in page2] == ["C-1"]


async def test_typed_numbers_are_refused_in_words_never_filtered(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("f4")
        await pilot.pause()
        dialog = app.screen
        await pilot.press("end", "backspace", *"-3", "enter")
        await pilot.pause()
        assert dialog.query_one("#ask-input").value == "-3"
        assert "more than zero" in dialog.message
        await pilot.press("end", *["backspace"] * 2, *"1e5", "enter")
        await pilot.pause()
        assert "is not a quantity" in dialog.message
        await pilot.press("escape")
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press(*"150%", "enter")
        await pilot.pause()
        assert "at most 100" in app.screen.message
        assert lines(screen) == [("T-1", 1000)]


async def test_weighed_goods_by_their_own_barcode_ask_the_weight(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["cheese"])
        assert isinstance(app.screen, AskScreen)
        assert "Weight of Cheese in kg" in str(app.screen.query_one(".dialog-title").content)
        await pilot.press(*"0.35", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert lines(screen) == [("CH-1", 350)]
        assert screen.register.basket.lines[0].barcode == shop["cheese"]


# --- 7. 10. 11. unfinished receipts, the screen printer, bounded money ------------------


async def test_the_list_shows_every_unfinished_receipt_at_its_price(
    settings, shop, ui_staff, clock
):
    cashier = ui_staff["cashier"]
    shift_for(ui_staff, shop, clock)
    other = Register(cashier, register="till-2", clock=clock)  # her second session
    other.add(shop["p_cream"], 1000)
    held = Register(ui_staff["senior_cashier"], register="till-3", clock=clock)
    held.add(shop["p_tea"], 2000)
    held.manual_discount(percent=10)
    held.hold()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        screen.register.forget()  # the screen took up the open draft: put it back aside
        screen.show_receipt()
        await pilot.press("f8")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HeldScreen)
        texts = [str(o.prompt) for o in dialog.query_one("#held-list")._options]
        assert len(texts) == 2
        assert any("open on till-2" in t and "189.90" in t for t in texts)
        assert any("held" in t and "63.00" in t for t in texts)  # 70.00 less 10%
        await pilot.press("enter")
        await settle(pilot)
        assert lines(screen) == [("C-1", 1000)]


async def test_f9_with_the_screen_printer_shows_the_receipt(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("f12")
        await pilot.pause()
        await pilot.press("f3", "enter")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        shown = app.screen
        assert isinstance(shown, ReceiptTextScreen)
        assert "Green tea" in shown.text and "35.00" in shown.text
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_pay_dialog_refuses_absurd_amounts_once_and_keeps_the_card_part(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await type_code(pilot, shop["cream"])
        await pilot.press("f12")
        await pilot.pause()
        pay = app.screen.query_one(PaymentPanel)
        assert pay.is_open
        await pilot.press(*"999999999999")
        await pilot.pause()
        message = str(pay.query_one("#pay-message").content)
        assert "is more than 10" in message
        assert str(pay.query_one("#pay-change").content) == ""  # said once, not twice
        await pilot.press("enter")
        await pilot.pause()
        assert str(pay.query_one("#pay-message").content) == message
        await pilot.press("f4")  # card + cash: a card part above the total is refused
        await pilot.pause()
        await pilot.press(*"500", "enter")
        await pilot.pause()
        assert pay.screen.focused is pay.query_one("#pay-card")
        assert pay.query_one("#pay-card").value == "500"
        assert "less than 189.90" in str(pay.query_one("#pay-message").content)
    assert Receipt.select().count() == 0


async def test_absurd_cash_out_is_refused_in_words(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        dialog = app.screen
        await pilot.press(*"999999999999")
        await pilot.pause(0.05)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        message = str(dialog.query_one("#dialog-message").content)
        assert "is more than 10" in message and "check the amount typed" in message


# --- issue 11: the payment panel under a scanner's bursts and held keys ------------------


def receipt_codes(receipt: Receipt) -> list[str]:
    return [ln.barcode for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt)]


async def tea_to_pay(pilot, shop) -> SaleScreen:
    """The cashier's sale screen with the tea scanned and the payment panel open."""
    screen = await open_sale(pilot)
    await type_code(pilot, shop["tea"])
    await pilot.press("f12")
    await settle(pilot)
    assert screen.query_one(PaymentPanel).is_open
    return screen


async def test_a_scan_while_paying_is_held_for_the_next_receipt(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await tea_to_pay(pilot, shop)
        panel = screen.query_one(PaymentPanel)
        assert panel.is_open
        await burst(pilot, shop["cream"])  # the next customer's goods, scanned early
        assert panel.is_open and screen.query_one("#pay-cash").value == ""
        assert "kept" in str(screen.query_one("#pay-message").content)
        assert lines(screen) == [("T-1", 1000)]  # not on this receipt
        await pilot.press("enter")  # exact cash
        await settle(pilot)
        assert not panel.is_open
        paid = Receipt.get()
        assert receipt_codes(paid) == [shop["tea"]]
        assert lines(screen) == [("C-1", 1000)]  # on the next receipt, not lost


async def test_a_scan_while_paying_then_escape_goes_on_this_receipt(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await tea_to_pay(pilot, shop)
        await burst(pilot, shop["cream"])
        await pilot.press("escape")  # the customer wants it after all
        await settle(pilot)
        assert not screen.query_one(PaymentPanel).is_open
        assert lines(screen) == [("T-1", 1000), ("C-1", 1000)]
        assert Receipt.select().count() == 0


async def test_enter_held_down_and_a_scan_behind_it_make_one_receipt(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await tea_to_pay(pilot, shop)
        # Enter held down (auto-repeat), then the next customer's scan while it commits
        await pilot.press("enter", "enter", "enter", "enter", "enter")
        await burst(pilot, shop["cream"])
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert Receipt.select().count() == 1
        assert receipt_codes(Receipt.get()) == [shop["tea"]]
        assert lines(screen) == [("C-1", 1000)]  # the scan is on the next receipt
        assert screen.code.value == ""
        assert not screen.query_one(PaymentPanel).is_open


async def test_the_key_line_shows_the_keys_that_act_now(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        key_line = screen.query_one("#sale-keyline")
        keys = dict(key_line.keys)
        assert keys["f12"] == "Pay" and "f2" not in keys  # F2 (bonuses) is not in the line
        await type_code(pilot, shop["tea"])
        await pilot.press("f12")
        await settle(pilot)
        keys = dict(key_line.keys)
        assert keys["f2"] == "Cash" and keys["esc"] == "Back" and "f12" not in keys
        assert "f2 Cash" in str(key_line.content)
        await pilot.press("escape")
        await settle(pilot)
        assert dict(key_line.keys)["f12"] == "Pay"


async def test_a_serial_scanners_read_while_paying_is_held_too(settings, shop, ui_staff, clock):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await tea_to_pay(pilot, shop)
        screen.post_message(BarcodeScanned(shop["cream"]))  # from the serial port's thread
        await settle(pilot)
        assert lines(screen) == [("T-1", 1000)]
        await pilot.press("enter")
        await settle(pilot)
        assert receipt_codes(Receipt.get()) == [shop["tea"]]
        assert lines(screen) == [("C-1", 1000)]


async def test_end_pays_exact_cash_at_once_and_held_down_makes_one_receipt(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await type_code(pilot, shop["cream"])
        # End held down (auto-repeat), and the next customer's scan while it commits
        await pilot.press("end", "end", "end")
        await burst(pilot, shop["dress"])
        await settle(pilot)
        assert Receipt.select().count() == 1
        paid = Receipt.get()
        assert sorted(receipt_codes(paid)) == sorted([shop["tea"], shop["cream"]])
        assert [(p.tender, p.amount) for p in Payment.select().where(Payment.receipt == paid)] == [
            ("cash", 3500 + 18990)
        ]
        assert not screen.query_one(PaymentPanel).display  # never shown
        assert lines(screen) == [("D-1", 1000)]  # the scan is on the next receipt, not lost


async def test_end_on_an_empty_receipt_or_below_cost_asks_as_f12_does(
    settings, shop, ui_staff, clock
):
    shift_for(ui_staff, shop, clock, "manager")
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot, "manager")
        await pilot.press("end")
        await settle(pilot)
        assert "empty" in message_line(screen)
        await type_code(pilot, shop["dress"])  # 1200.00, cost 1000.00
        await pilot.press("f5")
        await type_then_enter(pilot, "25%")  # 900.00: 100.00 below cost
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert offered(app) == ["Olena Owner"]  # confirmed first, as with F12
        await confirm_as(pilot, "Olena Owner", "1111")
        await settle(pilot)
        assert app.screen is screen and not screen.query_one(PaymentPanel).display
        assert "Receipt 1 paid" in screen.query_one("#sale-lines").banner_text
    assert Receipt.get().total == 90000


async def test_end_after_the_price_moved_under_the_screen_sells_at_no_old_price(
    settings, shop, ui_staff, clock
):
    """End pays the total on screen (Register.priced_as_shown); the checkout prices again:
    a price raised in the office since is refused and shown, then paid at the new one."""
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])  # 35.00 on screen
        Product.update(price=4000).where(Product.sku == "T-1").execute()  # the office
        await pilot.press("end")
        await settle(pilot)
        assert Receipt.select().count() == 0
        panel = screen.query_one(PaymentPanel)
        assert panel.display and panel.total == 4000  # shown, priced again
        assert "Priced again: 40.00" in label_text(app, "#pay-note")
        await pilot.press("enter")
        await settle(pilot)
    paid = Receipt.get()
    assert paid.total == 4000
    assert [(p.tender, p.amount) for p in Payment.select()] == [("cash", 4000)]


async def test_end_is_taken_at_once_but_never_ahead_of_a_scan_still_coming_in(
    settings, shop, ui_staff, clock, monkeypatch
):
    """End is a priority binding of the code field (no trip through the field and back up
    to the app), unless keys are still on their way into the field: a scan and End in one
    burst pay the receipt with the scan on it."""
    from textual.actions import SkipAction

    from torgtui.screens.sale_input import CodeInput

    at_once: list[bool] = []
    original = CodeInput.action_pay_at_once

    def counted(self: CodeInput) -> None:
        try:
            original(self)
        except SkipAction:
            at_once.append(False)
            raise
        at_once.append(True)

    monkeypatch.setattr(CodeInput, "action_pay_at_once", counted)
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("end")
        await settle(pilot)
        assert at_once == [True]  # taken as the app got it
        assert receipt_codes(Receipt.get()) == [shop["tea"]]
        post_keys(app, [*shop["cream"], "enter", "end"], start=500.0, gap=0.0003)  # End last
        await settle(pilot)
        assert at_once == [True, False]  # the scan was still going in: End went behind it
        assert Receipt.select().count() == 2
        second = Receipt.select().order_by(Receipt.id.desc()).get()
        assert receipt_codes(second) == [shop["cream"]]
        assert lines(screen) == []


async def test_the_paid_banner_of_a_second_sale_stays_its_whole_time(
    settings, shop, ui_staff, clock, monkeypatch
):
    """Two sales paid close together: the first banner's timer no longer hides the second
    banner early (it did: found trying End, then F12 + Enter, in the demo)."""
    import asyncio

    from torgtui.screens import sale_receipt

    monkeypatch.setattr(sale_receipt, "CHANGE_SECONDS", 1.0)
    shift_for(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        lines_view = screen.query_one("#sale-lines")
        await type_code(pilot, shop["tea"])
        await pilot.press("end")
        await settle(pilot)
        assert "Receipt 1 paid" in lines_view.banner_text
        await asyncio.sleep(0.6)
        await type_code(pilot, shop["cream"])
        await pilot.press("end")
        await settle(pilot)
        assert "Receipt 2 paid" in lines_view.banner_text
        await asyncio.sleep(0.7)  # past the first banner's second, within the second's
        await pilot.pause()
        assert "Receipt 2 paid" in lines_view.banner_text
        await asyncio.sleep(0.6)
        await pilot.pause()
        assert lines_view.banner_text == ""  # its own second is over
