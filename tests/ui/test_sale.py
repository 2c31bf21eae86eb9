"""The Sale screen driven like a cashier at 80x24: scans, quantities, search, discounts with a
manager's PIN, payment, hold and recall, crash recovery, and the scanners."""

from __future__ import annotations

import datetime as dt

import pytest
from textual import events

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.models import Barcode, Draft, LineAdjustment, Location, Payment, Product, Receipt
from torgtui.sales.shifts import open_shift
from torgtui.screens.payment import PaymentPanel
from torgtui.screens.sale import BarcodeScanned, SaleScreen

from .helpers import log_in, make_settings, message_line, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")

    def product(sku: str, name: str, price: int) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=T0, updated_at=T0
        )

    tea, cream = product("T-1", "Green tea", 3500), product("C-1", "Hand cream", 18990)
    codes = {"tea": make_ean13("21", 1), "cream": make_ean13("21", 2)}
    Barcode.create(code=codes["tea"], product=tea)
    Barcode.create(code=codes["cream"], product=cream)
    return {"location": loc, "tea": tea, "cream": cream, **codes}


@pytest.fixture
def shifted(shop, ui_staff, clock):
    return open_shift(ui_staff["cashier"], "till-1", shop["location"], 50000, clock=clock)


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{"store.register": "till-1", "devices.printer": "screen", "devices.fiscal": "none"},
    )


async def open_sale(pilot, name: str = "Kateryna Cashier", pin: str = "3333") -> SaleScreen:
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


async def test_scans_quantities_and_unknown_barcode(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    bells = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        assert lines(screen) == [("T-1", 1000)]
        await type_code(pilot, shop["tea"])
        assert lines(screen) == [("T-1", 2000)]
        await pilot.press("3", "asterisk")
        assert "3 x" in str(screen.query_one("#sale-pending").content)
        await type_code(pilot, shop["cream"])
        assert lines(screen) == [("T-1", 2000), ("C-1", 3000)]
        assert str(screen.query_one("#sale-pending").content) == ""
        await type_code(pilot, "C-1")  # by article
        assert lines(screen) == [("T-1", 2000), ("C-1", 4000)]
        await type_code(pilot, "2100000009992")
        assert bells and "Unknown barcode 2100000009992: press F3" in screen.last_message
        assert message_line(screen) == screen.last_message  # on the line above the totals
        assert lines(screen) == [("T-1", 2000), ("C-1", 4000)]
        rows = screen.query_one("#sale-lines").rows
        assert rows[0].right == "2 x 35.00 = 70.00"
        assert "To pay" in str(screen.query_one("#sale-topay").content)


async def test_search_edit_delete(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"cream")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert lines(screen) == [("C-1", 1000)]
        await type_code(pilot, shop["tea"])
        await pilot.press("up")  # select the cream
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("backspace", "5", "enter")
        await pilot.pause()
        assert lines(screen) == [("C-1", 5000), ("T-1", 1000)]
        await pilot.press("delete")  # a void, for a reason (tests/ui/test_till_features.py)
        await pilot.pause()
        await pilot.press("enter")  # no reason chosen yet: a stray Enter voids nothing
        await pilot.pause()
        assert lines(screen) == [("C-1", 5000), ("T-1", 1000)]
        await pilot.press("down", "enter")  # scanned by mistake
        await settle(pilot)
        assert lines(screen) == [("T-1", 1000)]


async def test_discount_needs_manager_then_cash_payment(settings, shifted, shop, clock, ui_staff):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["cream"])  # 189.90
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press(*"10%", "enter")
        await settle(pilot)
        # refused for a cashier: a manager confirms with the PIN
        options = app.screen.query_one("#senior-list")
        names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        target = next(i for i, text in enumerate(names) if text.startswith("Maria"))
        for _ in range(target):
            await pilot.press("down")
        await pilot.press(*"2222", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert screen.register.priced().total == 18990 - 1899
        uuid = screen.register.uuid
        await pilot.press("f12")
        await pilot.pause()
        assert app.screen.query_one(PaymentPanel).is_open
        await pilot.press(*"200")
        assert "Change: 29.10" in str(app.screen.query_one("#pay-change").content)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        receipt = Receipt.get(Receipt.uuid == uuid)
        assert (receipt.subtotal, receipt.discount, receipt.total) == (18990, 1899, 17091)
        pays = [(p.tender, p.amount, p.tendered) for p in Payment.select()]
        assert pays == [("cash", 17090, 20000)]
        adj = LineAdjustment.get(LineAdjustment.step == "manual")
        assert adj.employee_id == ui_staff["manager"].id
        assert Draft.select().count() == 0
        assert lines(screen) == []
        assert "CHANGE 29.10" in screen.query_one("#sale-lines").banner_text
        text = "\n".join(app.devices.printer.screen_text)
        assert "Hand cream" in text and "170.91" in text


async def test_card_payment_and_double_enter(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("plus")
        await pilot.pause()
        await pilot.press("f3")  # card
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert Receipt.select().count() == 1
        assert [(p.tender, p.amount) for p in Payment.select()] == [("card", 3500)]
        assert lines(screen) == []


async def test_hold_and_recall(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await pilot.press("f8")
        await pilot.pause()
        assert lines(screen) == [] and Draft.get().status == "held"
        await type_code(pilot, shop["cream"])
        await pilot.press("f8")  # hold the second as well
        await pilot.press("f8")  # empty: the held list
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert lines(screen) == [("T-1", 1000)]


async def test_draft_survives_closing_the_app(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sale(pilot)
        await type_code(pilot, shop["tea"])
        await type_code(pilot, "2*" + shop["cream"])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        assert lines(screen) == [("T-1", 1000), ("C-1", 2000)]
        assert "2 lines" in str(screen.query_one("#sale-state").content)


async def test_no_shift_refuses_scans(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        assert "No open shift: press F10" in str(screen.query_one("#sale-info").content)
        await type_code(pilot, shop["tea"])
        assert lines(screen) == [] and "No open shift" in screen.last_message


async def test_wedge_burst_and_serial_scan(settings, shifted, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        code = screen.query_one("#sale-code")
        # the cashier typed "12" slowly, then the scanner sent a burst and Enter
        keys = [("1", 0.0), ("2", 0.5)] + [
            (ch, 1.0 + i * 0.0005) for i, ch in enumerate(shop["tea"])
        ]
        keys.append(("enter", 1.0 + len(shop["tea"]) * 0.0005))
        for key, t in keys:
            event = events.Key(key, key if len(key) == 1 else None)
            event.time = t
            await code._on_key(event)
        await pilot.pause()
        assert lines(screen) == [("T-1", 1000)]
        assert code.value == "12"  # the typing stays
        app.deliver_scan(shop["cream"])
        await pilot.pause()
        assert lines(screen) == [("T-1", 1000), ("C-1", 1000)]
        screen.post_message(BarcodeScanned(shop["cream"]))
        await pilot.pause()
        assert lines(screen) == [("T-1", 1000), ("C-1", 2000)]


async def test_two_scans_back_to_back_both_count(settings, shifted, shop, clock):
    """A scanner fires the next code before the screen has handled the last Enter: the keys
    of the second scan are already in the field's queue. None of them may be lost."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        code = screen.query_one("#sale-code")
        t = 10.0
        for barcode in (shop["tea"], shop["cream"], shop["tea"]):
            for ch in [*barcode, "enter"]:
                event = events.Key(ch, ch if len(ch) == 1 else None)
                event.time = t
                t += 0.0004
                code.post_message(event)  # queued, as the terminal's reader delivers them
        await pilot.pause()
        await settle(pilot)
        assert lines(screen) == [("T-1", 2000), ("C-1", 1000)]
        assert code.value == ""


async def test_a_scan_split_by_a_pause_still_sells(settings, shifted, shop, clock):
    """On a loaded terminal the reader can stall inside one scan's burst: the detector then
    sees a few 'typed' digits and a shorter burst. The whole code is what was scanned."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        code = screen.query_one("#sale-code")
        barcode = shop["tea"]
        times = [1.0 + i * 0.0004 for i in range(4)]
        times += [1.006 + i * 0.0004 for i in range(len(barcode) - 4)]  # a 4.8 ms stall
        for ch, t in [*zip(barcode, times, strict=True), ("enter", times[-1] + 0.0004)]:
            event = events.Key(ch, ch if len(ch) == 1 else None)
            event.time = t
            await code._on_key(event)
        await pilot.pause()
        assert lines(screen) == [("T-1", 1000)]
        assert code.value == ""
