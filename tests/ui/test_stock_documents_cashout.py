"""The bonus cash-out by keyboard (F7 on the shift screen): the card scanned, what can be paid
out shown, too much refused in words, the amount paid and on the drawer's report."""

from __future__ import annotations

from textual.widgets import Input

from torgtui.app import TorgApp
from torgtui.marketing import bonuses, ledger
from torgtui.models import CashMovement, Customer, Location
from torgtui.sales.shifts import open_shift
from torgtui.screens.cashout import CashOutDialog
from torgtui.screens.shift import ShiftScreen

from .helpers import label_text, log_in, settle


async def test_a_bonus_cash_out_from_the_shift_screen(settings, ui_staff, clock) -> None:
    location = Location.create(code="MAIN", name="Kvitka")
    senior = ui_staff["senior_cashier"]
    open_shift(senior, "till-1", location, 50_000, clock=clock)
    customer = Customer.create(
        name="Ірина", card="2900000000015", created_at=clock(), updated_at=clock()
    )
    ledger.post(bonuses.account_of(customer.id, clock()), 120_00, "referral", now=clock())
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Serhii Senior", "4444")
        screen = ShiftScreen()
        app.push_screen(screen)
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CashOutDialog)
        dialog.query_one("#cashout-customer", Input).value = "2900000000015"
        await pilot.press("enter")
        await settle(pilot)
        assert "Ірина: 120.00 ₴ in bonuses can be paid out." in label_text(
            app, "#cashout-customer-info"
        )
        dialog.query_one("#cashout-amount", Input).value = "120.01"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and "has 120.00 ₴ in bonuses" in dialog.message
        dialog.query_one("#cashout-amount", Input).value = "100"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert "100.00 ₴ paid; 20.00 ₴ in bonuses left" in label_text(app, "#shift-message")
        assert "Bonus cash-out" in label_text(app, "#shift-drawer")
        assert CashMovement.get(CashMovement.kind == "out:bonus").amount == 100_00
