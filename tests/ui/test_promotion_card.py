"""A promotion's card and builder with its figures, by keyboard at 80x24: the goods it covers
(stock, regular and promoted price, cost, margin, below cost marked), the forecast over a
small hand-made history of receipts with exact figures, its progress and Escape stopping it,
the real result of a running one, and a cost document previewed, written and reversed."""

from __future__ import annotations

import datetime as dt
import re
import threading

from textual.widgets import DataTable, Input, ProgressBar

from torgtui.app import TorgApp
from torgtui.marketing.costs import list_cost_documents
from torgtui.marketing.promotions import get_promotion
from torgtui.marketing.promotions.backtest import backtest
from torgtui.models import AuditEntry, Customer
from torgtui.models.costs import CostDocument
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.promotion_builder import PromotionBuilderScreen
from torgtui.screens.promotion_figures import (
    CostDocumentsScreen,
    ForecastScreen,
    PromotionGoodsScreen,
)
from torgtui.screens.promotions import PromotionCardScreen
from torgtui.screens.till_dialogs import ConfirmDialog

from .promo_shop import PromoShop, build_promo_shop
from .test_promotions_area import open_promotions, wait


def sell(staff, shop: PromoShop, clock, shift, at: dt.datetime, items, customer=None) -> int:
    """A sale through the real register at ``at`` (the clock goes back to now after)."""
    now = clock.now
    clock.now = at
    try:
        reg = Register(
            staff["cashier"], register="till-9", clock=clock, location_id=shop.location.id
        )
        for product, units in items:
            reg.add(product, units * 1000)
        if customer is not None:
            reg.attach_customer(Customer.get_by_id(customer.id))
        total = reg.priced().total
        receipt = commit_sale(
            reg.basket,
            [Tender("card", total)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        reg.forget()
        return receipt.total
    finally:
        clock.now = now


def history(staff, shop: PromoShop, clock) -> list[int]:
    """Six receipts, no set among them: a cream before the autumn promotion (01.10) and one in
    it (20.10, the customer's first receipt); a dress and a scarf at 15:00 (05.11); two
    scarves in the happy hours with the customer (Tuesday 10.11, 11:00); a dress in them
    (Monday 16.11, 11:30); a cream (20.11)."""
    day = dt.datetime
    now = clock.now
    clock.now = day(2026, 10, 1, 9, 0)
    shift = open_shift(staff["cashier"], "till-9", shop.location, 0, clock=clock)
    clock.now = now
    dress, scarf, cream, customer = shop.dress, shop.scarf, shop.cream, shop.customer
    return [
        sell(staff, shop, clock, shift, day(2026, 10, 1, 15), [(cream, 1)]),
        sell(staff, shop, clock, shift, day(2026, 10, 20, 15), [(cream, 1)], customer),
        sell(staff, shop, clock, shift, day(2026, 11, 5, 15), [(dress, 1), (scarf, 1)]),
        sell(staff, shop, clock, shift, day(2026, 11, 10, 11), [(scarf, 2)], customer),
        sell(staff, shop, clock, shift, day(2026, 11, 16, 11, 30), [(dress, 1)]),
        sell(staff, shop, clock, shift, day(2026, 11, 20, 16), [(cream, 1)]),
    ]


def squeeze(text: str) -> str:
    """A fixed-width row as words: runs of spaces made one (thin spaces in amounts kept)."""
    return re.sub(" +", " ", text).strip()


def table_rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def open_card(pilot, code: str) -> PromotionCardScreen:
    screen = await open_promotions(pilot)
    row = [p.code for p in screen.items].index(code)
    screen.query_one("#promotions", DataTable).move_cursor(row=row)
    await pilot.press("enter")
    await wait(pilot)
    card = pilot.app.screen
    assert isinstance(card, PromotionCardScreen) and card.code == code
    return card


T = "\u202f"  # the thin space of thousands in amounts


async def test_the_card_shows_its_goods_and_the_forecast_in_exact_figures(
    settings, ui_staff, clock
):
    shop = build_promo_shop(ui_staff, clock)
    history(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(pilot, "XMAS")  # planned: clothes at -20%
        assert card.result is None  # a planned promotion has no result yet
        assert not any(line.startswith("Result") for line in card.lines)
        info = str(card.query_one("#promotion-goods-info").content)
        assert info == "Goods: 2 · price each unit · stock at Квітка"
        assert table_rows(card, "#promotion-products") == [
            ["D-1 Сукня літня", "3", f"1{T}250.00", f"1{T}000.00", "600.00", "400.00"],
            ["S-1 Шарф вовняний", "-3", "300.00", "240.00", "120.00", "120.00"],
        ]
        await pilot.press("f7")
        await wait(pilot)
        forecast = app.screen
        assert isinstance(forecast, ForecastScreen)
        assert forecast.query_one("#forecast-weeks", Input).value == "8"
        assert forecast.state == (
            "27.09–21.11.26: 8 weeks of receipts, as sold and with this promotion."
        )
        bar = forecast.query_one("#forecast-progress", ProgressBar)
        assert (bar.progress, bar.total) == (56, 56)
        lines = [squeeze(line) for line in forecast.lines]
        # six receipts; three have its goods and all three would take it (one the
        # customer's); the dress twice at -250.00 and three scarves at -60.00; the happy
        # hours' 15% it replaces (exclusive) on two of them comes back: 90.00 + 187.50
        for expected in (
            "without with change",
            "Receipts in those weeks 6",
            "Receipts it touches of 3 3",
            "Customers touched 1",
            "receipts without a card 2",
            "Lines, units 4 5",
            "Discount it gives 680.00",
            "Other promotions' lost 277.50",
            f"Revenue 3{T}673.21 3{T}270.71 -402.50",
            f"Margin 1{T}843.21 1{T}440.71 -402.50",
            f"Its goods' revenue 3{T}122.50 2{T}720.00 -402.50",
            f"Its goods' margin 1{T}562.50 1{T}160.00 -402.50",
            "Lines below cost 0",
            "By week touched discount margin",
            "01.11–07.11.26 1 310.00 -310.00",
            "08.11–14.11.26 1 120.00 -30.00",
            "15.11–21.11.26 1 250.00 -62.50",
        ):
            assert expected in lines, expected
        assert any(line.startswith("Past receipts as sold") for line in lines)
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is card


async def test_the_forecast_shows_its_progress_and_escape_stops_it(
    settings, ui_staff, clock, monkeypatch
):
    shop = build_promo_shop(ui_staff, clock)
    history(ui_staff, shop, clock)
    gate = threading.Event()

    def held(*args, progress, **kw):
        """The real backtest, held after its first day until the test lets it go on."""

        def step(done: int, total: int) -> None:
            progress(done, total)
            if done == 1:
                gate.wait(10)

        return backtest(*args, progress=step, **kw)

    monkeypatch.setattr(ForecastScreen, "backtest", staticmethod(held))
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(pilot, "XMAS")
        await pilot.press("f7")
        forecast = app.screen
        assert isinstance(forecast, ForecastScreen)
        for _round in range(200):
            await pilot.pause(0.01)
            if forecast.done_days == (1, 56):
                break
        bar = forecast.query_one("#forecast-progress", ProgressBar)
        assert bar.display and (bar.progress, bar.total) == (1, 56)
        assert forecast.running
        assert "Escape stops it" in forecast.state
        await pilot.press("escape")  # stops the run, stays
        assert forecast.state == "Stopping…"
        gate.set()
        await wait(pilot)
        assert app.screen is forecast and not forecast.running and forecast.stopped
        assert forecast.state == (
            "Stopped after 1 of 56 days: nothing was changed. F2 runs it again."
        )
        assert forecast.lines == [] and forecast.result is None
        assert not bar.display
        forecast.query_one("#forecast-weeks", Input).value = "2"
        forecast.query_one("#forecast-weeks", Input).focus()
        await pilot.press("enter")  # two weeks: 08.11 to 21.11
        await wait(pilot)
        assert forecast.result is not None and forecast.result.weeks == 2
        lines = [squeeze(line) for line in forecast.lines]
        assert "Receipts in those weeks 3" in lines
        assert "Receipts it touches of 2 2" in lines
        assert "Discount it gives 370.00" in lines
        forecast.query_one("#forecast-weeks", Input).value = "200"
        await pilot.press("f2")
        await wait(pilot)
        assert "Weeks" in forecast.message and "104" in forecast.message
        await pilot.press("escape")  # not running: back to the card
        await wait(pilot)
        assert app.screen is card


async def test_the_builder_shows_the_goods_and_forecast_of_what_is_typed(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    history(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, "XMAS")
        await pilot.press("f2")
        await wait(pilot)
        builder = app.screen
        assert isinstance(builder, PromotionBuilderScreen)
        builder.query_one("#pb-value", Input).value = "60"  # not saved
        await pilot.press("f8")
        await wait(pilot)
        goods = app.screen
        assert isinstance(goods, PromotionGoodsScreen)
        info = str(goods.query_one("#promotion-goods-info").content)
        assert info == "Goods: 2 · price each unit · stock at Квітка · 1 below cost!"
        assert table_rows(goods, "#promotion-products") == [
            ["D-1 Сукня літня", "3", f"1{T}250.00", "500.00", "600.00", "!-100.00"],
            ["S-1 Шарф вовняний", "-3", "300.00", "120.00", "120.00", "0.00"],
        ]
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is builder
        await pilot.press("f7")
        await wait(pilot)
        forecast = app.screen
        assert isinstance(forecast, ForecastScreen) and forecast.result is not None
        lines = [squeeze(line) for line in forecast.lines]
        # the dress twice at -750.00, three scarves at -180.00; both dresses below cost
        assert f"Discount it gives 2{T}040.00" in lines
        assert "Lines below cost 2 200.00 !" in lines
        await pilot.press("escape")
        await wait(pilot)
        builder.query_one("#pb-value", Input).value = "120"
        await pilot.press("f7")
        await wait(pilot)
        assert app.screen is builder  # refused in words under the form
        assert "percentage" in builder.message.lower()
    assert get_promotion("XMAS").percent == 20  # nothing was saved


async def test_the_real_result_of_an_ended_promotion_on_its_card(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    history(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(pilot, "AUTUMN")  # cosmetics -10%, 13.10 to 02.11
        await wait(pilot)
        lines = card.lines
        start = lines.index("Result 13.10–02.11.26 against 22.09–12.10.26")
        # one cream in it (the customer's first receipt), one before it at the full price
        assert lines[start + 1 : start + 9] == [
            "Receipts 1 · before 1 · 0",
            "Units 1 · before 1 · 0",
            "Revenue 170.91 · before 189.90 · -18.99",
            "Discount 18.99 · before 0.00 · +18.99",
            "Cost 90.00 · before 90.00 · 0.00",
            "Margin 80.91 · before 99.90 · -18.99",
            "Customers 1 · before 0 · +1",
            "Newcomers 1 · before 0 · +1",
        ]
        assert any("first receipt is of 2026-10-01" in line for line in lines)
        # its goods now: the cream (20 in stock, three sold since) and the set's article
        assert table_rows(card, "#promotion-products") == [
            ["C-1 Крем для рук", "17", "189.90", "170.91", "90.00", "80.91"],
            ["SET-1 Набір «Догляд»", "0", "350.00", "315.00", "0.00", "315.00"],
        ]


async def test_a_cost_document_previewed_written_and_reversed(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    history(ui_staff, shop, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        card = await open_card(pilot, "HAPPY")  # it took 15% off two scarves and a dress
        await pilot.press("f8")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, CostDocumentsScreen)
        assert screen.message.startswith("No cost documents yet")
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        await pilot.press("f2")  # no amount: refused in the dialog
        await wait(pilot)
        assert "Give the supplier's compensation" in dialog.message
        dialog.query_one("#form-value", Input).value = "700"  # more than the scarf's cost
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is dialog and "more than the cost of" in dialog.message
        dialog.query_one("#form-value", Input).value = "5"
        dialog.query_one("#form-note", Input).value = "Лист постачальника"
        await pilot.press("f2")
        await wait(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert confirm.text.startswith(
            "2 sale lines, 3 units: their cost goes down by 15.00 ₴ (5.00 ₴ a unit)."
        )
        assert CostDocument.select().count() == 0  # a preview writes nothing
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is screen
        assert screen.result == "Cost document 1 written: 2 lines, -15.00 ₴."
        assert table_rows(screen, "#cost-documents") == [
            ["1", "5.00 ₴ a unit, every day", "2", "-15.00", "in force"]
        ]
        docs = list_cost_documents(by=ui_staff["manager"], promotion="HAPPY")
        assert [(d.number, d.kind, d.total, d.note) for d in docs] == [
            (1, "recalc", -1500, "Лист постачальника")
        ]
        await pilot.press("delete")
        await wait(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "15.00 ₴" in confirm.text
        await pilot.press("y")
        await wait(pilot)
        assert screen.result == "Cost document 2 reverses 1: 15.00 ₴."
        rows = table_rows(screen, "#cost-documents")
        assert [(r[0], r[3], r[4]) for r in rows] == [
            ("2", "15.00", "reverses 1"),
            ("1", "-15.00", "reversed: 2"),
        ]
        screen.query_one("#cost-documents", DataTable).move_cursor(row=1)
        await pilot.press("delete")  # reversed already: said, nothing asked
        await wait(pilot)
        assert app.screen is screen
        assert screen.message == "Document 1 was reversed already by 2."
        actions = [
            a.action for a in AuditEntry.select().where(AuditEntry.action.startswith("cost."))
        ]
        assert sorted(actions) == ["cost.recalculate", "cost.reverse"]
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is card
