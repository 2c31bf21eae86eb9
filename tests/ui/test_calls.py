"""Telephony in the app, by keyboard at 80x24: a Binotel push event over real HTTP pops up the
caller's card (F5 logs the call on it, F2 opens the card), later events update the popup; the
missed calls from the journal are called back from the palette's "Missed calls"."""

from __future__ import annotations

import asyncio
import datetime as dt
from urllib.parse import urlencode

import httpx
from textual.widgets import DataTable, Label, Static

from tests.channels.fake_binotel import call
from torgtui.app import TorgApp
from torgtui.channels import call_journal
from torgtui.customers.service import CardData, create_customer
from torgtui.db import write_tx
from torgtui.marketing import bonuses, ledger
from torgtui.models import Contact, Customer, PhoneCall
from torgtui.screens.calls import CallsScreen
from torgtui.screens.commands import AreaCommands
from torgtui.screens.customer_card import CustomerCardScreen
from torgtui.screens.home import HomeScreen
from torgtui.screens.incoming_call import IncomingCallScreen

from .helpers import log_in, settle, type_then_enter

COMPANY = "10906"


def make_customer(ui_staff, clock) -> Customer:
    card = create_customer(
        CardData(
            name="Halyna Tkach",
            phones=["067 123 45 67"],
            attention=True,
            attention_note="Pays only by card",
        ),
        by=ui_staff["owner"],
        clock=clock,
    )
    Customer.update(card="2900000000053").where(Customer.id == card.id).execute()
    with write_tx():
        ledger.post(bonuses.account_of(card.id, clock()), 12550, "earn", now=clock())
    return card


async def push(app: TorgApp, request_type: str, **fields: str) -> httpx.Response:
    hook = app.telephony.hook
    assert hook is not None
    body = urlencode({"requestType": request_type, "companyID": COMPANY, **fields})
    async with httpx.AsyncClient() as client:
        return await client.post(
            hook.url,
            content=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=5,
        )


async def wait_for(pilot, predicate, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
        await pilot.pause()
    raise AssertionError("the screen did not change in time")


def popup_shown(app: TorgApp) -> bool:
    """The popup is on top and painted (it notes when: the bench reads that too)."""
    return isinstance(app.screen, IncomingCallScreen) and app.screen.shown_at > 0


async def test_incoming_call_pops_up_and_logs_the_call(settings, ui_staff, clock):
    card = make_customer(ui_staff, clock)
    settings.binotel.listen = "127.0.0.1:0"  # any free port (the file would say one)
    settings.binotel.company_id = COMPANY
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        # on the login screen nothing pops up
        response = await push(
            app, "receivedTheCall", generalCallID="1", externalNumber="0671234567"
        )
        assert response.json() == {"status": "success"}
        await pilot.pause()
        assert not isinstance(app.screen, IncomingCallScreen)
        await log_in(pilot, "Maria Manager", "2222")
        response = await push(
            app, "receivedTheCall", generalCallID="2", externalNumber="0671234567", callType="0"
        )
        assert response.status_code == 200
        await wait_for(pilot, lambda: popup_shown(app))
        popup = app.screen
        assert isinstance(popup, IncomingCallScreen)
        title = str(popup.query_one("#call-title", Label).content)
        assert title == "Incoming call +380 67 123 4567 (ringing)"
        text = str(popup.query_one("#call-caller", Static).render())
        assert text.splitlines()[:4] == [
            "Halyna Tkach",
            "Attention: Pays only by card",
            "Card 2900000000053   Bonuses 125.50 ₴",
            "No purchases yet.",
        ]
        await push(
            app,
            "answeredTheCall",
            generalCallID="2",
            externalNumber="0671234567",
            internalNumber="901",
        )
        await wait_for(
            pilot, lambda: "answered by 901" in str(popup.query_one("#call-title", Label).content)
        )
        await pilot.press("f5")
        await settle(pilot)
        await type_then_enter(pilot, "Asked about the dress")
        await settle(pilot)
        contact = Contact.get()
        assert (contact.customer_id, contact.kind, contact.direction, contact.text) == (
            card.id,
            "call",
            "in",
            "Asked about the dress",
        )
        assert app.screen is popup
        assert "logged on the card" in str(popup.query_one("#call-message", Label).content)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, CustomerCardScreen) and app.screen.customer_id == card.id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        # an unknown number: the popup says so and offers only Escape
        await push(app, "receivedTheCall", generalCallID="3", externalNumber="0501112233")
        await wait_for(pilot, lambda: popup_shown(app))
        text = str(app.screen.query_one("#call-caller", Static).render())
        assert text == "No card has this number."
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, IncomingCallScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_missed_calls_are_called_back_from_the_palette(settings, ui_staff, clock):
    card = make_customer(ui_staff, clock)
    t = dt.datetime(2026, 11, 22, 9, 0)
    calls = [
        call("11", t, disposition="NOANSWER"),
        call("12", t + dt.timedelta(minutes=5), number="0501112233", disposition="BUSY"),
        call("13", t + dt.timedelta(minutes=7), number="0931234567", billsec=95),
    ]
    assert call_journal.store_calls(calls, source="poll", clock=clock)[0] == 3
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        provider = AreaCommands(app.screen)
        hits = [hit async for hit in provider.search("missed calls")]
        assert hits[0].text == "Missed calls"
        hits[0].command()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CallsScreen)
        assert str(screen.query_one("#calls-title", Label).content) == (
            "Missed calls to call back: 2 to call back"
        )
        table = screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [
            ["22.11 09:05", "in", "+38050 *** ** 33", "-", "busy", "", "to call"],
            ["22.11 09:00", "in", "+38067 *** ** 67", "Halyna Tkach", "missed", "", "to call"],
        ]
        await pilot.press("down", "enter")  # her card
        await settle(pilot)
        assert isinstance(app.screen, CustomerCardScreen) and app.screen.customer_id == card.id
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f5")
        await settle(pilot)
        assert str(screen.query_one("#calls-message", Label).content) == (
            "Marked called back: 1 call(s)."
        )
        assert table.row_count == 1
        done = PhoneCall.get(PhoneCall.general_call_id == "11")
        assert (done.callback, done.callback_by_id) == ("done", ui_staff["cashier"].id)
        await pilot.press("f2")  # every call
        await settle(pilot)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0] == ["22.11 09:07", "in", "+38093 *** ** 67", "-", "answered", "1:35", ""]
        assert rows[2][-1] == "Kateryna Cashier"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_the_app_polls_binotel_when_it_has_a_key(settings, ui_staff, clock):
    """With key and secret set (and no endpoint), the app's poller fills the journal at
    start; the key never reaches the screen."""
    from tests.channels.fake_binotel import KEY, SECRET, FakeBinotel

    fake = FakeBinotel().start()
    try:
        fake.calls = [call("31", clock() - dt.timedelta(hours=1), disposition="NOANSWER")]
        settings.binotel.key, settings.binotel.secret = KEY, SECRET
        settings.binotel.api_url = fake.url
        settings.binotel.poll_minutes = 5
        app = TorgApp(settings, clock=clock)
        async with app.run_test(size=(80, 24)) as pilot:
            assert app.telephony.hook is None  # listen is empty: no endpoint
            await wait_for(pilot, lambda: PhoneCall.select().count() == 1)
            row = PhoneCall.get()
            assert (row.general_call_id, row.callback, row.source) == ("31", "due", "poll")
            assert [m for m, _body in fake.requests] == [
                "stats/list-of-lost-calls-for-today",
                "stats/list-of-calls-for-period",
            ]
    finally:
        fake.stop()
