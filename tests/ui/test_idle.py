"""An idle register writes (next to) nothing: over SSH those bytes are the cashier's bandwidth.

The real-terminal figure is ``python -m bench idle``; here the causes found with it stay fixed:
a status line that repainted unchanged text (and, being under the sale screen, repainted all of
it), a clock that took a layout pass, and a cursor that blinks over SSH.
"""

from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets import Input

from torgtui.app import TorgApp, cursor_blinks
from torgtui.catalog.barcodes import make_ean13
from torgtui.models import Barcode, Location, Product
from torgtui.sales.shifts import open_shift
from torgtui.screens.home import HomeScreen
from torgtui.screens.sale import SaleScreen
from torgtui.widgets.status import StatusLine

from .helpers import log_in, make_settings, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def settings(tmp_path, sqlite_db):
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "devices.printer": "none",
            "devices.fiscal": "none",
            "ui.cursor_blink": "off",
        },
    )


@pytest.fixture
def tea(sqlite_db, ui_staff, clock):
    loc = Location.create(code="MAIN", name="Kvitka")
    product = Product.create(
        sku="T-1", name="Green tea", price=3500, cost=1750, created_at=T0, updated_at=T0
    )
    Barcode.create(code=make_ean13("21", 1), product=product)
    open_shift(ui_staff["cashier"], "till-1", loc, 0, clock=clock)
    return make_ean13("21", 1)


def test_cursor_blinks_only_off_ssh_unless_told():
    assert cursor_blinks("auto", {}) is True
    assert cursor_blinks("auto", {"SSH_CONNECTION": "192.0.2.10 50022 192.0.2.1 22"}) is False
    assert cursor_blinks("auto", {"SSH_TTY": "/dev/pts/3"}) is False
    assert cursor_blinks("on", {"SSH_TTY": "/dev/pts/3"}) is True
    assert cursor_blinks("off", {}) is False


async def test_idle_sale_screen_repaints_nothing_but_the_minute(settings, tea, clock):
    app = TorgApp(settings, clock=clock)
    frames: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        shown = app._display

        def spy(screen, update):  # type: ignore[no-untyped-def]
            if update is not None:
                frames.append(type(update).__name__)
            return shown(screen, update)

        app._display = spy  # type: ignore[method-assign]
        await log_in(pilot, "Kateryna Cashier", "3333")
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.press("1")
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen)
        await pilot.press(*tea, "enter")
        await settle(pilot)
        assert app.focused is sale.code and sale.code.cursor_blink is False
        frames.clear()
        # every periodic refresh with nothing new: not a byte
        home.query_one(StatusLine).refresh_line()  # the home screen's, under the sale screen
        sale.tick()
        sale.fiscal_counted(sale.fiscal_waiting)
        await settle(pilot)
        assert frames == []
        # the minute changes: the clock label alone, without a layout pass or a full frame
        clock.advance(minutes=1)
        home.query_one(StatusLine).refresh_line()
        sale.tick()
        await settle(pilot)
        assert frames == ["ChopsUpdate"]
        # back on the home screen its status line catches up with the clock at once
        assert "10:00" in str(home.query_one("#status-right").content)  # stale while hidden
        app.pop_screen()
        await settle(pilot)
        assert "10:01" in str(home.query_one("#status-right").content)


async def test_blinking_as_set(tmp_path, sqlite_db, ui_staff, clock):
    settings = make_settings(tmp_path, str(tmp_path / "shop.sqlite"), **{"ui.cursor_blink": "on"})
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Input) and app.focused.cursor_blink is True
