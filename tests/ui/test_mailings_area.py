"""The Mailings area by keyboard at 80x24: key 7 opens the list; Insert builds a mailing (a
segment, the holdout), F4 counts its recipients and cost, F9 sends it after a confirmation;
its screen prepares it with a progress bar in a worker, goes on after being stopped half way
(F2), pauses (F7), resumes (F8) and cancels (Delete); the result and the effect against the
holdout; bad input said in words with nothing saved; the templates (F5) and the call journal
(F6); nothing cut off."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.shop_fixture import T0
from torgtui.app import TorgApp
from torgtui.channels.templates import save_template
from torgtui.marketing import mailings as ml
from torgtui.models import Customer, OutboxMessage
from torgtui.models.mailings import Mailing
from torgtui.models.messages import CustomerConsent
from torgtui.screens.mailings import MailingBuilderScreen, MailingScreen, MailingsScreen

from .helpers import log_in, make_settings, settle
from .snapshots import find_cuts, screen_text

KIND = "mailing:Spring"


@pytest.fixture
def quiet_settings(tmp_path: Path, sqlite_db):
    """No gateway: the app's sender leaves the outbox rows as the mailing wrote them."""
    return make_settings(
        tmp_path,
        str(tmp_path / "shop.sqlite"),
        **{
            "store.register": "till-1",
            "messages.sms_gateway": "none",
            "messages.email_gateway": "none",
        },
    )


@pytest.fixture
def base(ui_staff, clock):
    save_template(
        KIND,
        {"uk": "{first_name}, весняний розпродаж!", "en": "{first_name}, spring sale!"},
        by=ui_staff["manager"],
        clock=clock,
    )
    people = []
    for i in range(30):
        c = Customer.create(
            name=f"Клієнт {i}",
            phone=f"+38067{2000000 + i:07d}",
            card=f"29{i:011d}",
            language="en" if i % 3 == 0 else "uk",
            created_at=T0,
        )
        CustomerConsent.create(customer=c, channel="sms", granted=True, at=T0, how="card")
        people.append(c)
    Customer.update(phone="12345").where(Customer.id == people[-1].id).execute()
    return people


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_area(pilot) -> MailingsScreen:
    await log_in(pilot, "Maria Manager", "2222")
    await pilot.press("7")
    await wait(pilot)
    assert isinstance(pilot.app.screen, MailingsScreen)
    return pilot.app.screen


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def test_build_count_send_prepare_pause_resume_cancel(quiet_settings, base, clock):
    app = TorgApp(quiet_settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        area = await open_area(pilot)
        assert "No mailings yet" in screen_text(app)
        assert find_cuts(app) == []
        await pilot.press("insert")
        await wait(pilot)
        builder = app.screen
        assert isinstance(builder, MailingBuilderScreen)
        assert find_cuts(app) == []
        await pilot.press(*"Spring sale")
        await type_into(pilot, "#mb-holdout", "60")
        await pilot.press("f4")
        await wait(pilot)
        assert "Holdout: a percentage from 0 to 50" in builder.message
        await type_into(pilot, "#mb-holdout", "20")
        await type_into(pilot, "#mb-children", "x-y")
        await pilot.press("f4")
        await wait(pilot)
        assert "a whole number" in builder.message
        await type_into(pilot, "#mb-children", "")
        await pilot.press("f4")
        await wait(pilot)
        assert builder.message == ""
        found = ml.audience(ml.MailingData("x", KIND, holdout_percent="20"), clock=clock)
        assert (found.sent + found.holdout, found.skipped) == (29, {"bad_phone": 1})
        assert f"{found.sent} recipients ({found.sent} messages)" in builder.count_line
        assert "1 left out" in builder.count_line and "cost" in builder.count_line
        assert Mailing.select().count() == 0  # counting writes nothing
        await pilot.press("f9")
        await wait(pilot)
        await pilot.press("y")
        await wait(pilot, 5)
        screen = app.screen
        assert isinstance(screen, MailingScreen)
        mailing = Mailing.get()
        assert (mailing.name, mailing.holdout_bp, mailing.state) == ("Spring sale", 2000, "sending")

        def statuses() -> set[str]:
            rows = OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id)
            return {r.status for r in rows}

        rows = OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id)
        assert rows.count() == mailing.sent_count == 29 - mailing.holdout_count
        assert "Sending" in screen.state_line
        text = "\n".join(screen.lines)
        assert f"sent to {mailing.sent_count}" in text and "invalid phone 1" in text
        assert "The effect" in text and "holdout" in text
        assert find_cuts(app) == []

        await pilot.press("f7")
        await wait(pilot)
        assert Mailing.get_by_id(mailing.id).state == "paused"
        assert statuses() == {"paused"}
        assert "Paused" in screen.state_line
        await pilot.press("f8")
        await wait(pilot)
        assert Mailing.get_by_id(mailing.id).state == "sending"
        assert statuses() == {"pending"}
        await pilot.press("delete")
        await wait(pilot)
        await pilot.press("y")
        await wait(pilot)
        assert Mailing.get_by_id(mailing.id).state == "cancelled"
        assert statuses() == {"cancelled"}
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is area
        assert "cancelled" in screen_text(app) and "Spring sale" in screen_text(app)


async def test_preparing_stopped_half_way_goes_on_with_f2(quiet_settings, base, clock, ui_staff):
    mailing = ml.create_mailing(ml.MailingData("Half", KIND), by=ui_staff["manager"], clock=clock)
    ml.start(mailing.id, by=ui_staff["manager"], clock=clock)
    calls = {"n": 0}

    def stopping(mailing_id, **kw):
        """The first run stops after one batch of 10 (as Escape or a crash would)."""
        calls["n"] += 1
        first = calls["n"] == 1
        batches = iter([False, True])
        cancel = (lambda: next(batches)) if first else kw["cancel"]
        return ml.prepare(mailing_id, **{**kw, "batch": 10, "cancel": cancel})

    app = TorgApp(quiet_settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot)
        MailingScreen.prepare = staticmethod(stopping)
        try:
            await pilot.press("enter")
            await wait(pilot, 5)
            screen = app.screen
            assert isinstance(screen, MailingScreen)
            assert Mailing.get_by_id(mailing.id).state == "preparing"
            assert "stopped half way" in screen.state_line
            count = OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id).count()
            assert count == 10
            await pilot.press("f2")
            await wait(pilot, 5)
        finally:
            MailingScreen.prepare = staticmethod(ml.prepare)
        assert calls["n"] == 2
        assert Mailing.get_by_id(mailing.id).state == "sending"
        assert OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id).count() == 29
        assert "Prepared: 29 recipients, 29 messages" in screen.message


async def test_f7_pauses_while_preparing_and_the_screen_keeps_answering(
    quiet_settings, base, clock, ui_staff
):
    """Preparing is slowed to a batch of 3 customers every 50 ms: meanwhile the progress bar
    moves, the screen answers keys, and F7 pauses it with nothing left pending."""
    import time

    from textual.widgets import ProgressBar

    mailing = ml.create_mailing(ml.MailingData("Slow", KIND), by=ui_staff["manager"], clock=clock)
    ml.start(mailing.id, by=ui_staff["manager"], clock=clock)

    def slow(mailing_id, **kw):
        stop = kw["cancel"]

        def cancel() -> bool:
            time.sleep(0.05)
            return stop()

        return ml.prepare(mailing_id, **{**kw, "batch": 3, "cancel": cancel})

    app = TorgApp(quiet_settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_area(pilot)
        MailingScreen.prepare = staticmethod(slow)
        try:
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MailingScreen)
            bar = screen.query_one("#mr-progress", ProgressBar)
            for _tick in range(100):  # until the first batches are in
                await pilot.pause(0.05)
                if bar.progress >= 3:
                    break
            assert screen.running and bar.display and 3 <= bar.progress < 30
            assert "Preparing" in screen.state_line
            await pilot.press("f7")
            await wait(pilot, 5)
        finally:
            MailingScreen.prepare = staticmethod(ml.prepare)
        assert not screen.running and Mailing.get_by_id(mailing.id).state == "paused"
        rows = list(OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id))
        assert 0 < len(rows) < 29 and {r.status for r in rows} == {"paused"}
        assert "Paused" in screen.state_line
        await pilot.press("f8")
        await wait(pilot, 5)
        assert Mailing.get_by_id(mailing.id).state == "sending"
        assert OutboxMessage.select().where(OutboxMessage.mailing_id == mailing.id).count() == 29


async def test_templates_and_calls_from_the_list(quiet_settings, base, clock):
    app = TorgApp(quiet_settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        area = await open_area(pilot)
        await pilot.press("f5")
        await wait(pilot)
        from torgtui.screens.templates import TemplatesScreen

        assert isinstance(app.screen, TemplatesScreen)
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is area
        await pilot.press("f6")
        await wait(pilot)
        from torgtui.screens.calls import CallsScreen

        assert isinstance(app.screen, CallsScreen)


async def test_a_cashier_cannot_open_mailings(quiet_settings, ui_staff, clock):
    app = TorgApp(quiet_settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        await pilot.press("7")
        await wait(pilot)
        assert not isinstance(app.screen, MailingsScreen)
        assert "Mailings" not in screen_text(app)
