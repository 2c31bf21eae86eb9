"""Stock documents by keyboard (the Stock area, key S): a goods receipt made, a product scanned
three times and its cost typed, posted after the confirmation (stock and cost follow); a
stocktake of a group scanned and its differences shown before posting."""

from __future__ import annotations

from textual.widgets import Input

from torgtui.app import TorgApp
from torgtui.catalog.stock import post_movement, stock_of
from torgtui.models import Barcode, Location, Product, ProductGroup
from torgtui.models.stockdocs import StockDocument
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.stock_documents import StockDocumentScreen, StockDocumentsScreen
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle


def small_shop(clock) -> tuple[Location, Product, Product]:
    loc = Location.create(code="MAIN", name="Квітка")
    group = ProductGroup.create(name="Одяг", path="Одяг")
    scarf = Product.create(
        sku="S-1",
        name="Шарф",
        price=30000,
        cost=12000,
        group=group,
        created_at=clock(),
        updated_at=clock(),
    )
    socks = Product.create(
        sku="K-1",
        name="Шкарпетки",
        price=5000,
        cost=2000,
        group=group,
        created_at=clock(),
        updated_at=clock(),
    )
    Barcode.create(code="2100000000038", product=scarf)
    post_movement(socks, loc, 4000, "inbound", system=True, clock=clock)
    return loc, scarf, socks


async def scan(pilot, code: str) -> None:
    pilot.app.screen.query_one("#doc-code", Input).value = code
    await pilot.press("enter")
    await settle(pilot)


async def test_a_goods_receipt_by_keyboard(settings, ui_staff, clock) -> None:
    loc, scarf, _socks = small_shop(clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, StockDocumentsScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#form-supplier", Input).value = "ТОВ Вовна"
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StockDocumentScreen)
        for _ in range(2):
            await scan(pilot, "2100000000038")
        await scan(pilot, "1*S-1")
        assert "Шарф: 3 on the document." in screen.message
        await scan(pilot, "nothing-like-it")
        assert "Unknown code nothing-like-it" in screen.message
        screen.query_one("#doc-lines").focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        app.screen.query_one("#form-cost", Input).value = "150"
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("f2")
        await settle(pilot)
        assert "posted: stock movements 1," in screen.message
        assert stock_of(scarf, loc) == 3000
        assert Product.get_by_id(scarf.id).cost == 15000
        assert StockDocument.get().state == "posted"


async def test_a_stocktake_shows_its_differences(settings, ui_staff, clock, tmp_path) -> None:
    loc, scarf, socks = small_shop(clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        app.screen.query_one("#form-reason", Input).value = "Щомісячний"
        await pilot.press("f2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StockDocumentScreen)
        app.deliver_scan("S-1")  # a serial scanner's read goes to the document on top
        await settle(pilot)
        await scan(pilot, "K-1")
        await pilot.press("f5")
        await settle(pilot)
        assert "Differences posting would adjust: 2;" in screen.message
        assert sorted((ln.sku, ln.difference) for ln in screen.lines) == [
            ("K-1", -3000),
            ("S-1", 1000),
        ]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        sheet = tmp_path / "count.csv"
        app.screen.query_one("#form-file", Input).value = str(sheet)
        await pilot.press("f2")
        await settle(pilot)
        assert "The count sheet is in" in screen.message
        assert "S-1" in sheet.read_text(encoding="utf-8")
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert (stock_of(scarf, loc), stock_of(socks, loc)) == (1000, 1000)
