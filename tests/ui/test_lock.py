"""Locking the register (Ctrl+L and idle time), unlocking with the PIN, switching employee."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from torgtui.app import TorgApp
from torgtui.clock import FixedClock
from torgtui.models import AuditEntry, Employee
from torgtui.screens.home import HomeScreen
from torgtui.screens.lock import LockScreen
from torgtui.screens.login import LoginScreen

from .helpers import label_text, log_in, make_settings, settle


async def test_ctrl_l_locks_and_the_right_pin_unlocks(settings, ui_staff, clock: FixedClock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("2")
        await pilot.pause()
        area = app.screen
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app.is_locked
        # the area's keys do not reach through the lock, nor does the palette
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app.check_action("command_palette", ()) is False
        assert app.check_action("lock", ()) is False
        await pilot.press(*"2222", "enter")
        await settle(pilot)
        assert app.screen is area
        assert not app.is_locked
        assert app.employee.id == ui_staff["manager"].id
    logins = AuditEntry.select().where(AuditEntry.action == "login").count()
    assert logins == 2  # the unlock went through staff.login


async def test_wrong_pins_on_the_lock_screen_count_toward_lockout(settings, ui_staff, clock):
    manager = ui_staff["manager"]
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press(*"0000", "enter")
        await settle(pilot)
        assert label_text(app, "#lock-message") == (
            "Wrong PIN. 4 tries left before a 5-minute lock."
        )
        assert app.screen.query_one("#lock-pin", Input).value == ""
        assert Employee.get_by_id(manager.id).failed_logins == 1
        for _try in range(4):
            await pilot.press(*"0000", "enter")
            await settle(pilot)
        assert "is now locked for 5 minutes" in label_text(app, "#lock-message")
        assert Employee.get_by_id(manager.id).locked_until is not None
        assert isinstance(app.screen, LockScreen)


async def test_switch_employee_from_the_lock_screen(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert len(app.screen_stack) == 1
        assert app.employee is None and not app.is_locked
        assert app.screen.query_one("#login-pin", Input).value == ""
        await log_in(pilot, "Kateryna Cashier", "3333")
        assert isinstance(app.screen, HomeScreen)
        assert app.employee.id == ui_staff["cashier"].id


async def test_log_out_key_from_an_area(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        await pilot.press("5")  # certificates
        await pilot.pause()
        assert app.screen.area.id == "certificates"
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        assert app.employee is None
        # nothing to lock or log out of now
        assert app.check_action("lock", ()) is False
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)


async def test_idle_time_locks(settings, ui_staff, clock: FixedClock):
    assert settings.ui.idle_lock_seconds == 300
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        clock.advance(seconds=200)
        await pilot.press("down")  # activity restarts the count
        clock.advance(seconds=200)
        assert app.check_idle_lock() is False
        assert isinstance(app.screen, HomeScreen)
        clock.advance(seconds=100)
        assert app.check_idle_lock() is True
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app.check_idle_lock() is False  # already locked
        await pilot.press(*"1111", "enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        clock.advance(seconds=299)
        assert app.check_idle_lock() is False


async def test_idle_lock_zero_means_never(tmp_path: Path, sqlite_db, ui_staff, clock):
    settings = make_settings(tmp_path, str(tmp_path / "shop.sqlite"), **{"ui.idle_lock_seconds": 0})
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        clock.advance(days=1)
        assert app.check_idle_lock() is False
        assert isinstance(app.screen, HomeScreen)


async def test_nobody_logged_in_is_never_idle_locked(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        clock.advance(hours=1)
        assert app.check_idle_lock() is False
        assert isinstance(app.screen, LoginScreen)
