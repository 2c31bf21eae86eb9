"""Start-up stays light: the app module imports only what the login screen needs."""

from __future__ import annotations

import subprocess
import sys

from torgtui.app import TorgApp
from torgtui.screens.home import HomeScreen

from .helpers import log_in, settle

LAZY = [
    "torgtui.screens.home",
    "torgtui.screens.audit",
    "torgtui.screens.settings",
    "torgtui.screens.lock",
    "torgtui.screens.commands",
    "textual.widgets._data_table",
]


def test_app_import_leaves_area_screens_for_later():
    code = f"import sys, torgtui.app; print(','.join(m for m in {LAZY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


async def test_every_screen_renders_in_the_ansi_theme(settings, ui_staff, clock, tmp_path):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = "ansi-dark"
        await pilot.pause()
        app.save_screenshot(path=str(tmp_path), filename="login.svg")
        await log_in(pilot, "Olena Owner", "1111")
        assert isinstance(app.screen, HomeScreen)
        for key in ["9", "0", "5"]:
            await pilot.press(key)
            await settle(pilot)
            app.save_screenshot(path=str(tmp_path), filename=f"area-{key}.svg")
            await pilot.press("escape")
        await pilot.press("ctrl+l")
        await pilot.pause()
        app.save_screenshot(path=str(tmp_path), filename="lock.svg")
    assert len(list(tmp_path.glob("*.svg"))) == 5
