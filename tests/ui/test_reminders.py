"""Reminders at login: a reminder added on the card for today pops up at the next login; done
takes it off for good."""

from __future__ import annotations

from textual.widgets import DataTable

from torgtui.app import TorgApp
from torgtui.customers.service import CardData, create_customer
from torgtui.models import Reminder
from torgtui.screens.customer_card import CustomerCardScreen
from torgtui.screens.home import HomeScreen
from torgtui.screens.reminders import RemindersScreen

from .helpers import log_in, settle


async def test_reminder_pops_up_at_login_and_done_removes_it(settings, ui_staff, clock):
    card = create_customer(CardData(name="Halyna Tkach"), by=ui_staff["owner"], clock=clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        assert isinstance(app.screen, HomeScreen)  # nothing due yet
        app.push_screen(CustomerCardScreen(card.id))
        await settle(pilot)
        await pilot.press("alt+4")  # contacts
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")  # the logged-in employee is first
        await pilot.pause()
        await pilot.press("enter", *"Call about the order", "enter")  # due today
        await settle(pilot)
        reminder = Reminder.get()
        assert (reminder.employee_id, reminder.customer_id, reminder.due_date) == (
            ui_staff["manager"].id,
            card.id,
            clock().date(),
        )
        await pilot.press("ctrl+o")
        await settle(pilot)
        await log_in(pilot, "Maria Manager", "2222")
        screen = app.screen
        assert isinstance(screen, RemindersScreen)
        table = screen.query_one(DataTable)
        assert [str(c) for c in table.get_row_at(0)] == [
            "Halyna Tkach",
            "Call about the order",
            "22.11.2026",
        ]
        await pilot.press("enter")  # open the card, and back
        await settle(pilot)
        assert isinstance(app.screen, CustomerCardScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert Reminder.get_by_id(reminder.id).done_at is not None
        await pilot.press("ctrl+o")
        await settle(pilot)
        await log_in(pilot, "Maria Manager", "2222")
        assert isinstance(app.screen, HomeScreen)


async def test_snooze_to_tomorrow(settings, ui_staff, clock):
    from torgtui.customers.contacts import add_reminder

    owner = ui_staff["owner"]
    add_reminder(owner, clock().date(), "Send the invoice", by=owner, clock=clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        assert isinstance(app.screen, RemindersScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")  # tomorrow, as offered
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert str(Reminder.get().snoozed_until) == "2026-11-23"
