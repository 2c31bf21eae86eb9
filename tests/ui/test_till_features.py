"""Issue 11, item 4 at the register, driven like a cashier at 80x24: the lock after every
receipt on a shared till, the stock left of the line just scanned in the header, Delete as a
void with a reason (audited; Enter alone never voids), and F4 before or after a scan."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from textual import events
from textual.widgets import Input

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.catalog.stock import post_movement
from torgtui.models import AuditEntry, Barcode, Location, Product, Receipt
from torgtui.sales.shifts import open_shift
from torgtui.screens.lock import LockScreen
from torgtui.screens.sale import SaleScreen
from torgtui.screens.sale_dialogs import AskScreen, PickScreen

from .helpers import label_text, log_in, make_settings, settle, type_then_enter

T0 = dt.datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def shop(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")

    def product(sku: str, name: str, price: int, **kw: object) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=T0, updated_at=T0, **kw
        )

    tea, cream = product("T-1", "Green tea", 3500), product("C-1", "Hand cream", 18990)
    soap = product("S-1", "Soap by weight", 32000, unit="kg", weighed=True)
    codes = {"tea": make_ean13("21", 1), "cream": make_ean13("21", 2), "soap": make_ean13("21", 3)}
    Barcode.create(code=codes["tea"], product=tea)
    Barcode.create(code=codes["cream"], product=cream)
    Barcode.create(code=codes["soap"], product=soap)
    # 12 tea and 1 kg of soap delivered; the cream's stock is not kept at this shop
    post_movement(tea, loc, 12000, "inbound", clock=clock, system=True)
    post_movement(soap, loc, 1000, "inbound", clock=clock, system=True)
    open_shift(ui_staff["cashier"], "till-1", loc, 50000, clock=clock)
    return {"location": loc, "tea": tea, "cream": cream, "soap": soap, **codes}


def till_settings(tmp_path, **overrides: object):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "devices.printer": "screen",
            "devices.fiscal": "none",
            **overrides,
        },
    )


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return till_settings(tmp_path)


async def open_sale(pilot) -> SaleScreen:
    await log_in(pilot, "Kateryna Cashier", "3333")
    await pilot.press("1")
    await settle(pilot)  # the location's stock snapshot is taken in a worker meanwhile
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def scan(pilot, code: str) -> None:
    await pilot.press(*code, "enter")
    await settle(pilot)


async def burst(pilot, text: str, *, start: float = 100.0, gap: float = 0.001) -> None:
    """Keys as a keyboard-wedge scanner sends them: fast, then Enter, through the app."""
    t = start
    for ch in [*text, "enter"]:
        event = events.Key(ch, ch if len(ch) == 1 else None)
        event.time = t
        t += gap
        pilot.app.post_message(event)
    await settle(pilot)


def lines(screen: SaleScreen) -> list[tuple[str, int]]:
    assert screen.register is not None
    return [(ln.sku, ln.qty) for ln in screen.register.basket.lines]


def header(app: TorgApp) -> str:
    return label_text(app, "#sale-state")


async def pay_cash(pilot, screen: SaleScreen) -> None:
    await pilot.press("f12")
    await settle(pilot)
    await pilot.press(*"1000", "enter")
    await settle(pilot)


# --- 1. lock after every receipt -------------------------------------------------------------


@pytest.mark.parametrize("lock", [True, False])
async def test_a_shared_till_locks_after_every_paid_receipt(tmp_path, shop, clock, lock: bool):
    settings = till_settings(tmp_path, **{"register.lock_after_receipt": lock})
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await pay_cash(pilot, screen)
        (receipt,) = Receipt.select()
        # all that follows a payment ran first: a new receipt, the banner, the print
        assert screen.last_receipt is not None and screen.last_receipt.id == receipt.id
        assert lines(screen) == []
        assert "Green tea" in "\n".join(app.devices.printer.screen_text)
        if not lock:
            assert app.screen is screen and not app.is_locked
            return
        assert isinstance(app.screen, LockScreen) and app.is_locked
        await pilot.press(*"3333", "enter")  # the cashier's PIN goes on selling
        await settle(pilot)
        assert app.screen is screen and not app.is_locked
        await scan(pilot, shop["tea"])
        assert lines(screen) == [("T-1", 1000)]


# --- 2. what is left of the line just scanned ----------------------------------------------


async def test_the_header_says_what_is_left_after_this_receipt(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        assert "Left" not in header(app)  # an empty receipt: nothing selected
        await scan(pilot, shop["tea"])
        assert "Receipt: 1 line · Left 11 pcs" in header(app)
        await scan(pilot, shop["tea"])
        assert "Left 10 pcs" in header(app)
        await scan(pilot, shop["cream"])  # stock not kept here: no hint for it
        assert lines(screen) == [("T-1", 2000), ("C-1", 1000)]
        assert "Left" not in header(app)
        await pilot.press("up")  # the tea again
        await pilot.pause()
        assert "Left 10 pcs" in header(app)
        await pilot.press(*"13", "f4")  # more than there is: a warning, not a refusal
        await settle(pilot)
        assert lines(screen) == [("T-1", 13000), ("C-1", 1000)]
        assert "Left \u22121 pcs" in header(app)


# --- 3. void of a line, with a reason -------------------------------------------------------


def voids() -> list[dict]:
    rows = AuditEntry.select().where(AuditEntry.action == "receipt.void_line")
    return [{**json.loads(e.before), **json.loads(e.after)} for e in rows]


async def test_delete_voids_the_line_for_the_reason_picked(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await scan(pilot, shop["cream"])
        await pilot.press("delete")  # the cream, the line just scanned
        await pilot.pause()
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert [text for _key, text in pick.options] == [
            "Scanned by mistake",
            "Customer changed their mind",
            "Wrong price",
            "Damaged",
            "Other...",
        ]
        await pilot.press("enter")  # nothing chosen yet: a stray Enter voids nothing
        await pilot.pause()
        assert app.screen is pick and lines(screen) == [("T-1", 1000), ("C-1", 1000)]
        await pilot.press("down", "down", "enter")  # Customer changed their mind
        await settle(pilot)
        assert app.screen is screen
        assert lines(screen) == [("T-1", 1000)]
        assert "Hand cream taken off the receipt" in screen.last_message
        (void,) = voids()
        assert (void["sku"], void["qty"], void["amount"]) == ("C-1", 1000, 18990)
        assert void["reason"] == "Customer changed their mind"
        assert void["receipt"] == screen.register.uuid and void["register"] == "till-1"


async def test_other_asks_the_reason_in_words_and_escape_keeps_the_line(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("escape")  # keep it
        await pilot.pause()
        assert app.screen is screen and lines(screen) == [("T-1", 1000)]
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("up", "enter")  # up from nothing: the last, Other...
        await pilot.pause()
        ask = app.screen
        assert isinstance(ask, AskScreen)
        await type_then_enter(pilot, "   ")  # no reason: refused in words, nothing voided
        assert app.screen is ask and "The reason is empty" in ask.message
        ask.query_one(Input).value = ""
        await type_then_enter(pilot, "Torn box")
        await settle(pilot)
        assert app.screen is screen and lines(screen) == []
        assert [v["reason"] for v in voids()] == ["Torn box"]


async def test_a_scan_never_chooses_a_void_reason(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await pilot.press("delete", "down")  # a reason highlighted: Enter would choose it
        await pilot.pause()
        await burst(pilot, shop["cream"])  # a scanner's keys and its Enter
        assert isinstance(app.screen, PickScreen)
        assert lines(screen) == [("T-1", 1000)] and voids() == []
        assert app.scan_guard.refused == 1


# --- 4. F4 before or after a scan -----------------------------------------------------------


async def test_f4_before_the_first_scan_is_the_next_scans_quantity(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("3", "f4")  # typed, then F4: as 3*
        await pilot.pause()
        assert label_text(app, "#sale-pending") == "3 x "
        assert screen.code.value == ""
        await scan(pilot, shop["tea"])
        assert lines(screen) == [("T-1", 3000)]
        assert label_text(app, "#sale-pending") == ""


async def test_f4_with_nothing_typed_on_an_empty_receipt_asks_for_the_next_scan(
    settings, shop, clock
):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press("f4")
        await pilot.pause()
        ask = app.screen
        assert isinstance(ask, AskScreen) and "next scan" in ask.title_text
        await type_then_enter(pilot, "1.5")  # a quantity, whatever comes next decides
        await pilot.pause()
        assert app.screen is screen
        assert label_text(app, "#sale-pending") == "1.5 x "
        await scan(pilot, shop["tea"])  # but tea is sold by the piece
        assert lines(screen) == []
        assert "sold by the piece" in screen.last_message


async def test_f4_after_a_scan_sets_the_lines_quantity_without_a_dialog(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await scan(pilot, shop["cream"])
        await pilot.press("5", "f4")  # the cream, just scanned
        await settle(pilot)
        assert app.screen is screen
        assert lines(screen) == [("T-1", 1000), ("C-1", 5000)]
        assert screen.code.value == "" and label_text(app, "#sale-pending") == ""
        await pilot.press("up", "f4")  # nothing typed: the dialog, as before
        await pilot.pause()
        ask = app.screen
        assert isinstance(ask, AskScreen) and ask.value == "1"
        await pilot.press("backspace")
        await type_then_enter(pilot, "2")
        await settle(pilot)
        assert lines(screen) == [("T-1", 2000), ("C-1", 5000)]


async def test_f4_weighed_goods_keep_their_rules(settings, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_sale(pilot)
        await pilot.press(*"0.35", "asterisk")
        await scan(pilot, shop["soap"])
        assert lines(screen) == [("S-1", 350)]
        assert "Left 0.65 kg" in header(app)
        await pilot.press(*"0.5", "f4")
        await settle(pilot)
        assert lines(screen) == [("S-1", 500)]
        assert "Left 0.5 kg" in header(app)


@pytest.mark.parametrize(
    ("typed", "message"),
    [("abc", "not a quantity"), ("0", "more than zero"), ("1.5", "sold by the piece")],
)
async def test_f4_refuses_a_bad_quantity_and_changes_nothing(
    settings, shop, clock, typed: str, message: str
):
    app = TorgApp(settings, clock=clock)
    bells: list[int] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        screen = await open_sale(pilot)
        await scan(pilot, shop["tea"])
        await pilot.press(*typed, "f4")
        await settle(pilot)
        assert app.screen is screen
        assert message in screen.last_message
        assert lines(screen) == [("T-1", 1000)]
        assert label_text(app, "#sale-pending") == ""
        if message != "sold by the piece":  # refused as typed: it stays there to correct
            assert screen.code.value == typed and bells
