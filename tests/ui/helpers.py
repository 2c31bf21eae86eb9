"""Driving the app like a cashier: choose a name, type the PIN, wait for the worker."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Label, OptionList

from torgtui.app import TorgApp
from torgtui.config import Settings, load_settings


async def settle(pilot: Pilot) -> None:
    """Let workers start, finish, and their results reach the screen."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def log_in(pilot: Pilot, name: str, pin: str) -> None:
    """On the login screen: move to ``name`` with the arrows, type ``pin``, press Enter."""
    app = pilot.app
    options = app.screen.query_one("#login-employees", OptionList)
    names = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    target = next(i for i, text in enumerate(names) if text.startswith(name))
    if options.highlighted is None:  # nobody chosen at first: down is the first name
        await pilot.press("down")
    current = options.highlighted or 0
    key = "down" if target > current else "up"
    for _step in range(abs(target - current)):
        await pilot.press(key)
    assert options.highlighted == target
    await pilot.press(*pin, "enter")
    await settle(pilot)


def label_text(app: TorgApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Label).content)


def make_settings(tmp_path: Path, db_url: str, **overrides: object) -> Settings:
    """Settings from an empty TOML file in ``tmp_path``, no environment, plus ``overrides``."""
    path = tmp_path / "settings.toml"
    path.write_text("", encoding="utf-8")
    return load_settings(
        path=path,
        env={},
        overrides={
            "database.url": db_url,
            "store.name": "Kramnytsia",
            # keys typed through Pilot come 10 ms apart or more (tests/ui/conftest.py),
            # the tests' scanner bursts 1 ms apart
            "register.wedge_max_gap_ms": 3,
            **overrides,
        },
    )


async def type_then_enter(pilot: Pilot, text: str) -> None:
    """Type ``text``, then Enter a moment later, as a person does: typed in one burst, a
    dialog would take it for a scanner's and refuse it (see screens.scan_guard)."""
    await pilot.press(*text)
    await pilot.pause(0.05)
    await pilot.press("enter")


def message_line(screen: object) -> str:
    """What the sale screen's message line says (SaleScreen.say writes it)."""
    return str(screen.query_one("#sale-info", Label).content)  # type: ignore[attr-defined]
