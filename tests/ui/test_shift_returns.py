"""The shift screen (open with a float, cash in and out, X report, Z report) and the return
screen (find a sale by number or from today's list, choose quantities, refund once), driven
by keys at 80x24 over a real SQLite file."""

from __future__ import annotations

import json
import uuid as uuidlib

import pytest
from textual.widgets import DataTable, Label

from torgtui.app import TorgApp
from torgtui.clock import FixedClock
from torgtui.models import (
    CashMovement,
    Draft,
    Location,
    Payment,
    Product,
    Receipt,
    Shift,
    StockMovement,
)
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return, returnable
from torgtui.sales.shifts import open_shift
from torgtui.screens.returns import ReturnScreen
from torgtui.screens.shift import ShiftScreen
from torgtui.screens.till_dialogs import CashMoveDialog, ConfirmDialog, ValueDialog

from .helpers import label_text, log_in, settle, type_then_enter


@pytest.fixture
def shop(sqlite_db, clock: FixedClock) -> dict[str, object]:
    """The MAIN location with a cream (189.90) and a dress (1 250.00)."""
    location = Location.create(code="MAIN", name="Kvitka")
    now = clock()

    def product(sku: str, name: str, price: int) -> Product:
        return Product.create(
            sku=sku, name=name, price=price, cost=price // 2, created_at=now, updated_at=now
        )

    return {
        "location": location,
        "cream": product("C-1", "Hand cream", 18990),
        "dress": product("D-1", "Summer dress", 125000),
    }


def sell(employee, shift, clock, items, tenders) -> Receipt:
    """Commit a sale of ``items`` [(product, thousandths)] the way the sale screen does."""
    reg = Register(employee, register="till-1", clock=clock)
    for product, qty in items:
        reg.add(product, qty)
    return commit_sale(
        reg.priced(),
        tenders,
        uuid=reg.uuid,
        employee=employee,
        shift=shift,
        cash_step=10,
        clock=clock,
    )


async def start(pilot, screen) -> None:
    await log_in(pilot, "Kateryna Cashier", "3333")
    pilot.app.push_screen(screen)
    await settle(pilot)


def returns_of(original: Receipt) -> list[Receipt]:
    return list(Receipt.select().where((Receipt.kind == "return") & (Receipt.original == original)))


# --- shift ------------------------------------------------------------------------------------


async def test_open_shift_with_float_then_cash_in_and_out(settings, ui_staff, shop, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ShiftScreen()
        await start(pilot, screen)
        assert "No shift is open for you on till-1" in label_text(app, "#shift-state")
        assert not screen.check_action("cash", ("in",))
        await pilot.press("enter")
        assert "Type the cash float" in screen.message
        await pilot.press(*"abc", "enter")
        assert "is not an amount of money" in screen.message
        await pilot.press(*("backspace",) * 3, *"500", "enter")
        await settle(pilot)
        shift = Shift.get()
        assert (shift.status, shift.opening_float, shift.register) == ("open", 50000, "till-1")
        assert shift.employee_id == ui_staff["cashier"].id
        assert "is open on till-1" in label_text(app, "#shift-state")
        assert "500.00" in label_text(app, "#shift-drawer")

        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CashMoveDialog)
        await pilot.press(*"100", "enter")
        await type_then_enter(pilot, "change")
        await settle(pilot)
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press(*"5000", "enter", *"bank", "enter")  # more than the drawer holds
        await settle(pilot)
        assert app.screen is screen
        assert screen.message == "There is less cash in the drawer than that."
        await pilot.press("f3")
        await pilot.pause()
        await pilot.press(*"30", "enter", *"bank", "enter")
        await settle(pilot)
        moves = [
            (m.kind, m.amount, m.note) for m in CashMovement.select().order_by(CashMovement.id)
        ]
        assert moves == [("float", 50000, ""), ("in", 10000, "change"), ("out", 3000, "bank")]
        drawer = label_text(app, "#shift-drawer")
        assert "Expected in drawer" in drawer and "570.00" in drawer
        assert screen.report is not None and screen.report.cash_expected == 57000

        footer = screen.query_one("Footer")
        assert footer.virtual_size.width <= 80
        assert all(label.region.right <= 80 for label in screen.query(Label))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_x_report_after_a_sale_then_close_with_counted_cash(settings, ui_staff, shop, clock):
    cashier = ui_staff["cashier"]
    shift = open_shift(cashier, "till-1", shop["location"], 50000, clock=clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ShiftScreen()
        await start(pilot, screen)
        assert screen.report.receipts == 0
        # a sale made (on the sale screen) while the shift screen is open: F5 reads it again
        sell(
            cashier,
            shift,
            clock,
            [(shop["cream"], 3000)],
            [Tender("card", 10000), Tender("cash", 50000)],
        )
        await pilot.press("f5")
        await settle(pilot)
        report = screen.report
        assert (report.receipts, report.sales_total) == (1, 56970)
        assert report.by_tender == {"card": 10000, "cash": 46970}
        assert report.cash_expected == 96970
        sales = label_text(app, "#shift-sales")
        assert "Sales: 1 receipt" in sales and "569.70" in sales and "469.70" in sales
        assert "969.70" in label_text(app, "#shift-drawer")
        printed = "\n".join(app.devices.printer.screen_text)
        assert f"X report, shift {shift.id}, till-1" in printed and "969.70" in printed

        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, ValueDialog)
        await type_then_enter(pilot, "959.70")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        text = str(app.screen.query_one("#confirm-text", Label).content)
        assert "Expected in the drawer: 969.70" in text
        assert "The drawer is short by 10.00" in text
        await pilot.press("enter")  # Enter never closes a shift: Y or F2 does
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("f2")
        await settle(pilot)
        assert app.screen is screen
        shift = Shift.get_by_id(shift.id)
        assert (shift.status, shift.closing_cash, shift.closed_at) == ("closed", 95970, clock())
        z = json.loads(shift.z_report)
        assert (z["receipts"], z["sales_total"], z["cash_expected"]) == (1, 56970, 96970)
        assert z["by_tender"] == {"card": 10000, "cash": 46970}
        assert "is closed. Z report" in label_text(app, "#shift-state")
        drawer = label_text(app, "#shift-drawer")
        assert "Counted" in drawer and "959.70" in drawer and "-10.00" in drawer
        assert not screen.check_action("close_shift", ())
        printed = "\n".join(app.devices.printer.screen_text)
        assert f"Z report, shift {shift.id}" in printed and "-10.00" in printed


async def test_close_refused_while_a_receipt_has_lines(settings, ui_staff, shop, clock):
    cashier = ui_staff["cashier"]
    shift = open_shift(cashier, "till-1", shop["location"], 0, clock=clock)
    Register(cashier, register="till-1", clock=clock).add(shop["dress"], 1000)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ShiftScreen()
        await start(pilot, screen)
        await pilot.press("f8")  # refused at once: nobody counts the drawer in vain
        await pilot.pause()
        assert app.screen is screen
        assert screen.message == (
            "1 receipt is open or held: finish or cancel it before the Z report."
        )
        assert Shift.get_by_id(shift.id).status == "open"
        assert "is open on till-1" in label_text(app, "#shift-state")
        # a receipt held on another register by the same cashier counts as well
        Draft.update(status="held", register="till-2").execute()
        await pilot.press("f8")
        await pilot.pause()
        assert app.screen is screen and "1 receipt is open or held" in screen.message
        # Escape in the confirmation keeps the shift open too
        Draft.delete().execute()
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("0", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
        assert screen.message == "The shift stays open."


# --- returns ----------------------------------------------------------------------------------


@pytest.fixture
def sold(ui_staff, shop, clock):
    """An open shift and a sale of 3 creams and 1 dress, paid 100.00 by card and the rest cash."""
    cashier = ui_staff["cashier"]
    shift = open_shift(cashier, "till-1", shop["location"], 0, clock=clock)
    receipt = sell(
        cashier,
        shift,
        clock,
        [(shop["cream"], 3000), (shop["dress"], 1000)],
        [Tender("card", 10000), Tender("cash", 200000)],
    )
    return receipt, shift


def table_rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def find_by_number(pilot, number: int) -> None:
    await pilot.press(*str(number), "enter")
    await settle(pilot)


async def test_return_one_of_three_by_receipt_number(settings, ui_staff, shop, clock, sold):
    original, _shift = sold
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReturnScreen()
        await start(pilot, screen)
        await find_by_number(pilot, 99)
        assert screen.message == "There is no sale receipt number 99."
        await pilot.press(*("backspace",) * 2)
        await find_by_number(pilot, original.number)
        assert screen.phase == "lines"
        rows = table_rows(screen, "#return-table")
        assert [r[0] for r in rows] == ["Hand cream", "Summer dress"]
        assert rows[0][2:5] == ["3", "0", "3"]
        head = label_text(app, "#return-head")
        assert f"Sale No. {original.number}" in head
        assert "Paid: Card 100.00 ₴, Cash 1\u202f719.70 ₴." in head
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ValueDialog)
        await pilot.press("1", "enter")
        await pilot.pause()
        assert screen.quantities == {screen.items[0].line.id: 1000}
        assert "refund 189.90" in label_text(app, "#return-total")
        await pilot.press("f2")
        await settle(pilot)
        (ret,) = returns_of(original)
        assert (ret.total, ret.kind, ret.shift_id) == (18990, "return", _shift.id)
        cream_line = screen.items[0].line
        moves = list(StockMovement.select().where(StockMovement.kind == "return"))
        assert [(m.product_id, m.qty) for m in moves] == [(shop["cream"].id, 1000)]
        assert [(p.tender, p.amount) for p in Payment.select().where(Payment.receipt == ret)] == [
            ("card", 10000),
            ("cash", 8990),
        ]
        result = label_text(app, "#return-result")
        assert f"Return No. {ret.number} written: refund 189.90" in result
        assert "back to the card 100.00" in result and "cash back 89.90" in result
        assert [r.left for r in returnable(original)] == [2000, 1000]
        assert table_rows(screen, "#return-table")[0][2:5] == ["3", "1", "2"]
        assert cream_line.id == screen.items[0].line.id
        printed = "\n".join(app.devices.printer.screen_text)
        assert f"No. {ret.number}" in printed and f"No. {original.number}" in printed
        assert screen.query_one("Footer").virtual_size.width <= 80


async def test_more_than_left_is_refused_in_words(settings, ui_staff, shop, clock, sold):
    original, shift = sold
    cashier = ui_staff["cashier"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReturnScreen()
        await start(pilot, screen)
        await find_by_number(pilot, original.number)
        await pilot.press("q", "4", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ValueDialog)
        message = str(dialog.query_one("#dialog-message", Label).content)
        assert message == "Only 3 of Hand cream can still be returned."
        await pilot.press("backspace", *"1.5", "enter")
        await pilot.pause()
        message = str(dialog.query_one("#dialog-message", Label).content)
        assert message == "Hand cream is sold by the piece: type a whole number."
        await pilot.press("escape")
        await pilot.pause()
        assert screen.quantities == {}
        await pilot.press("a")  # all 3 of the cream...
        assert screen.quantities == {screen.items[0].line.id: 3000}
        # ...but another register takes one back meanwhile
        commit_return(
            original,
            {screen.items[0].line.id: 1000},
            uuid=str(uuidlib.uuid4()),
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        await pilot.press("f2")
        await settle(pilot)
        assert screen.message == ("Only 2 of Hand cream can still be returned (1 already were).")
        assert len(returns_of(original)) == 1  # nothing half-written
        assert screen.phase == "lines"
        assert table_rows(screen, "#return-table")[0][2:5] == ["3", "1", "2"]
        # choosing again within what is left works, with the same attempt
        await pilot.press("a", "f2")
        await settle(pilot)
        assert screen.phase == "done"
        assert sorted(r.total for r in returns_of(original)) == [18990, 37980]


async def test_pick_from_todays_sales_newest_first(settings, ui_staff, shop, clock):
    cashier = ui_staff["cashier"]
    shift = open_shift(cashier, "till-1", shop["location"], 0, clock=clock)
    clock.advance(days=-1)
    yesterday = sell(cashier, shift, clock, [(shop["dress"], 1000)], [Tender("card", 125000)])
    clock.advance(days=1, hours=1)
    first = sell(cashier, shift, clock, [(shop["cream"], 1000)], [Tender("cash", 20000)])
    clock.advance(minutes=5)
    second = sell(cashier, shift, clock, [(shop["dress"], 1000)], [Tender("card", 125000)])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReturnScreen()
        await start(pilot, screen)
        rows = table_rows(screen, "#return-sales")
        assert [r[0] for r in rows] == [str(second.number), str(first.number)]
        assert rows[0][1:3] == ["11:05", "1\u202f250.00 ₴"]
        assert str(yesterday.number) not in [r[0] for r in rows]
        await pilot.press("tab", "down", "enter")
        await settle(pilot)
        assert screen.original is not None and screen.original.id == first.id
        assert [r[0] for r in table_rows(screen, "#return-table")] == ["Hand cream"]
        await pilot.press("escape")
        await pilot.pause()
        assert screen.phase == "find" and app.screen is screen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is not screen


async def test_no_open_shift_then_confirm_twice_makes_one_return(
    settings, ui_staff, shop, clock, sold
):
    original, shift = sold
    cashier = ui_staff["cashier"]
    Shift.update(status="closed").where(Shift.id == shift.id).execute()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = ReturnScreen()
        await start(pilot, screen)
        assert screen.message == "No open shift: open a shift first (F10 on the sale screen)."
        await find_by_number(pilot, original.number)
        await pilot.press("w")  # the whole receipt
        await pilot.press("f2")
        await settle(pilot)
        assert screen.message == "No open shift: open a shift first (F10 on the sale screen)."
        assert returns_of(original) == []
        new_shift = open_shift(cashier, "till-1", shop["location"], 0, clock=clock)
        # the answer of a first confirm was lost: the return is already written with the uuid
        screen.return_uuid = attempt = str(uuidlib.uuid4())
        commit_return(
            original,
            {item.line.id: item.left for item in screen.items},
            uuid=attempt,
            employee=cashier,
            shift=new_shift,
            cash_step=10,
            clock=clock,
        )
        await pilot.press("f2", "f2")
        await settle(pilot)
        (ret,) = returns_of(original)
        assert ret.uuid == attempt and ret.total == original.total
        assert screen.done is not None and screen.done.id == ret.id
        assert f"Return No. {ret.number} written" in label_text(app, "#return-result")
        assert not screen.check_action("confirm", ())
