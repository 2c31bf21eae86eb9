"""Logging in: the list of employees, the PIN checked by staff.login in a worker, lockout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from torgtui.app import TorgApp
from torgtui.clock import FixedClock
from torgtui.config import Settings
from torgtui.models import AuditEntry, Employee
from torgtui.screens.home import HomeScreen
from torgtui.screens.login import LoginScreen

from .helpers import label_text, log_in, make_settings, settle


async def test_right_pin_opens_home_and_is_audited(settings, ui_staff, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, LoginScreen)
        assert app.title == "Kramnytsia"
        await log_in(pilot, "Maria Manager", "2222")
        assert isinstance(app.screen, HomeScreen)
        assert app.employee is not None and app.employee.id == ui_staff["manager"].id
        assert app.screen.query_one("#status-right").content.startswith("Maria Manager (Manager)")
    entry = AuditEntry.select().where(AuditEntry.action == "login").get()
    assert entry.employee_id == ui_staff["manager"].id
    assert entry.terminal == "till-1"


async def test_wrong_pins_say_tries_left_then_lock(settings, ui_staff, clock: FixedClock):
    cashier = ui_staff["cashier"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "9999")
        assert isinstance(app.screen, LoginScreen)
        assert label_text(app, "#login-message") == (
            "Wrong PIN. 4 tries left before a 5-minute lock."
        )
        assert app.screen.query_one("#login-pin").value == ""
        for _try in range(3):
            await log_in(pilot, "Kateryna Cashier", "9999")
        assert "1 tries left" in label_text(app, "#login-message")
        await log_in(pilot, "Kateryna Cashier", "9999")
        assert label_text(app, "#login-message") == (
            "Wrong PIN. Kateryna Cashier is now locked for 5 minutes."
        )
        assert Employee.get_by_id(cashier.id).locked_until == clock() + dt.timedelta(minutes=5)
        # even the right PIN is refused while locked
        await log_in(pilot, "Kateryna Cashier", "3333")
        assert isinstance(app.screen, LoginScreen)
        assert "is locked after 5 wrong PINs" in label_text(app, "#login-message")
        assert app.employee is None


async def test_empty_pin_is_not_sent(settings, ui_staff, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert label_text(app, "#login-message") == "Type your PIN, then press Enter."
    assert not AuditEntry.select().where(AuditEntry.action.startswith("login")).exists()


async def test_no_employees_says_how_to_add_one(tmp_path: Path, sqlite_db, clock: FixedClock):
    settings: Settings = make_settings(tmp_path, str(tmp_path / "shop.sqlite"))
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        message = label_text(app, "#login-message")
        assert "no employees" in message
        assert "torgtui init" in message and "torgtui staff add" in message
        assert not app.screen.query_one("#login-pin").display


async def test_login_screen_renders_at_80x24(settings, ui_staff, clock: FixedClock, tmp_path):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        svg = app.save_screenshot(path=str(tmp_path), filename="login.svg")
        assert Path(svg).stat().st_size > 0
        box = app.screen.query_one("#login-box")
        assert box.region.right <= 80


async def test_after_log_out_nobody_is_chosen(settings, ui_staff, clock: FixedClock):
    """The next person's PIN must never count as a wrong PIN against the last one."""
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        options = app.screen.query_one("#login-employees")
        assert options.highlighted is None
        await pilot.press(*"3333", "enter")
        await settle(pilot)
        assert app.employee is None
        assert label_text(app, "#login-message").startswith("Choose your name")
        assert Employee.get_by_id(ui_staff["manager"].id).failed_logins == 0
        assert app.screen.query_one("#login-pin").value == "3333"  # kept: choose, then Enter
        await pilot.press(*["backspace"] * 4)
        await log_in(pilot, "Kateryna Cashier", "3333")
        assert app.employee is not None and app.employee.id == ui_staff["cashier"].id
