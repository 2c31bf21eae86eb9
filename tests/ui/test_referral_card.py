"""The customer card's Refer a Friend section ("Friends") by keys at 80x24: F5 adds a campaign
from the shop's defaults, the codes are listed, F7 copies them (OSC 52, and over SSH a file
whose path is said), Delete stops the campaign."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Label

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import make_ean13
from torgtui.models import Customer
from torgtui.models.referral import ReferralCode
from torgtui.screens.customer_card import CustomerCardScreen
from torgtui.screens.customer_card_common import FormScreen
from torgtui.screens.customer_card_referral import ReferralSection

from .helpers import log_in, settle

T0 = dt.datetime(2026, 11, 1, 9, 0)


async def test_add_a_campaign_list_and_copy_its_codes(
    settings, ui_staff, clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    olena = Customer.create(
        name="Олена", card=make_ean13("29", 31), card_issued_at=T0, created_at=T0, updated_at=T0
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        app.push_screen(CustomerCardScreen(olena.id))
        await settle(pilot)
        await pilot.press("alt+8")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CustomerCardScreen) and screen.current == "referral"
        assert len(str(screen.query_one("#card-tabs", Label).content)) <= 80
        section = screen.query_one(ReferralSection)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        await pilot.press("f2")  # the defaults: 3 codes, 10% for the friend, 100.00 bonus
        await settle(pilot)
        codes = [
            c for (c,) in ReferralCode.select(ReferralCode.code).order_by(ReferralCode.id).tuples()
        ]
        assert len(codes) == 3
        table = section.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[:2] for r in rows] == [[c, "unused"] for c in codes]
        message = screen.query_one("#card-message", Label)
        assert "Campaign saved with 3 codes" in str(message.content)
        await pilot.press("f7")
        await settle(pilot)
        assert app.clipboard.splitlines()[1:] == codes
        saved = tmp_path / "state" / "torgtui" / "referral-codes" / f"referral-{olena.id}.txt"
        assert saved.read_text(encoding="utf-8") == app.clipboard
        assert "3 codes copied; over SSH" in str(message.content)
        await pilot.press("delete")  # stop the campaign: asked first
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert [r[1] for r in rows] == ["blocked"] * 3
        assert "The campaign is stopped" in str(message.content)
