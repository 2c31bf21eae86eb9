"""The card's message log and consent (Contacts section, F7): the outbox's rows with their
state, consent per channel by keys, and an opt-out with its reason onto the stop-list."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Label

from torgtui.app import TorgApp
from torgtui.channels import consent
from torgtui.channels.outbox import enqueue
from torgtui.customers.service import CardData, create_customer
from torgtui.screens.customer_messages import MessageLogScreen

from .helpers import settle
from .test_customer_card import open_card

NOW = dt.datetime(2026, 11, 22, 10, 0)


async def test_message_log_and_consent_by_keys(settings, ui_staff, clock):
    card = create_customer(
        CardData(name="Oksana Bondar", phones=["0671234567"]), by=ui_staff["owner"]
    )
    enqueue(card.id, "preorder_arrived", "p:1", text="Your order is here", now=NOW)
    enqueue(card.id, "mailing", "m:1", channel="sms", text="Sale -20%", marketing=True, now=NOW)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_card(pilot, card.id)
        for _section in range(3):  # family, history, contacts
            await pilot.press("f4")
            await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        log = app.screen
        assert isinstance(log, MessageLogScreen)
        table = log.query_one(DataTable)
        assert table.row_count == 2
        assert [str(table.get_row_at(i)[1]) for i in range(2)] == ["not sent", "waiting"]
        line = str(log.query_one("#messages-consent", Label).content)
        assert line == "Marketing: SMS -, Viber -, e-mail -"

        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("y", "enter", "n", "enter", "enter", "enter")
        await settle(pilot)
        given = consent.consents_of(card.id)
        assert {c: x.granted for c, x in given.items()} == {"sms": True, "viber": False}
        assert {x.how for x in given.values()} == {"card"}
        assert str(log.query_one("#messages-consent", Label).content) == (
            "Marketing: SMS yes, Viber no, e-mail -"
        )

        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("enter", "enter", "enter", *"Asked at the till", "enter")
        await settle(pilot)
        stop = consent.stop_of(card.id)
        assert stop is not None and stop.reason == "Asked at the till"
        assert not consent.consents_of(card.id)["sms"].granted
        assert "stop-list" in str(log.query_one("#messages-consent", Label).content)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, MessageLogScreen)
