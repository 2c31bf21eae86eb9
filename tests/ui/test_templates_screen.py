"""Message templates by keyboard at 80x24: the list of every notice, the editor with its live
SMS counter and the Latin saving, a preview on a customer found by card with their real
bonuses, an unknown variable refused in words with nothing saved, saving (audited) and a reset
back to the built-in text; a new mailing template; nothing on the editor cut off."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input, Label, Static, TextArea

from torgtui.app import TorgApp
from torgtui.channels import templates as tp
from torgtui.db import write_tx
from torgtui.marketing import bonuses, ledger
from torgtui.models import AuditEntry, Customer, MessageTemplate
from torgtui.screens.areas import area_by_id
from torgtui.screens.commands import AreaCommands
from torgtui.screens.templates import TemplateScreen, TemplatesScreen
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle
from .snapshots import find_cuts, screen_text


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_templates(pilot) -> TemplatesScreen:
    await log_in(pilot, "Maria Manager", "2222")
    pilot.app.push_screen(TemplatesScreen(area_by_id("mailings")))
    await wait(pilot)
    assert isinstance(pilot.app.screen, TemplatesScreen)
    return pilot.app.screen


def row_of(screen: TemplatesScreen, kind: str) -> int:
    return [t.kind for t in screen.rows].index(kind)


def customer_with_bonuses(clock) -> Customer:
    now = clock()
    olena = Customer.create(
        name="Олена Коваль", card="2900000000013", language="uk", created_at=now
    )
    with write_tx():
        account = bonuses.account_of(olena.id, now)
        ledger.post(account, 10000, "earn", now=now, expires_at=now + dt.timedelta(days=8))
        ledger.post(account, 2550, "earn", now=now)
    return olena


def counter(screen: TemplateScreen) -> str:
    return str(screen.query_one("#tpl-counter", Label).content)


async def test_edit_a_notice_with_the_counter_and_a_preview_then_reset_it(
    settings, ui_staff, clock
):
    customer_with_bonuses(clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_templates(pilot)
        table = listing.query_one("#templates", DataTable)
        assert table.row_count == len(tp.AUTOMATIC_KINDS)
        assert "Bonuses about to lapse" in screen_text(app)
        table.move_cursor(row=row_of(listing, "bonus_expiring"))
        await pilot.press("enter")
        await wait(pilot)
        editor = app.screen
        assert isinstance(editor, TemplateScreen)
        assert find_cuts(app) == []
        area = editor.query_one("#tpl-text", TextArea)
        assert area.text.startswith("{first_name}, {bonus_expiry_date} згорять")
        assert counter(editor).startswith("SMS: ")
        assert "UCS-2, 2 parts" in counter(editor) and "Latin: 1 part, saves 1" in counter(editor)
        # a mistyped variable: refused in words when saving, nothing written
        area.load_text("{frist_name}, бонуси {bonus_expiring} згорять {bonus_expiry_date}")
        await pilot.press("f2")
        await wait(pilot)
        message = str(editor.query_one("#templates-message", Label).content)
        assert "unknown variable {frist_name}" in message and "Ukrainian" in message
        assert app.screen is editor and MessageTemplate.select().count() == 0
        # F4 puts a variable in, by keyboard
        area.load_text(", бонуси {bonus_expiring} згорять {bonus_expiry_date}")
        area.move_cursor((0, 0))
        await pilot.press("f4")
        await wait(pilot)
        names = list(tp.VARIABLES)
        for _step in range(names.index("first_name")):  # the first one is highlighted
            await pilot.press("down")
        await pilot.press("enter")
        await wait(pilot)
        assert area.text == "{first_name}, бонуси {bonus_expiring} згорять {bonus_expiry_date}"
        assert "1 part" in counter(editor)
        # the preview on a customer found by card: their real bonuses from the ledger
        await pilot.click("#tpl-customer")
        await pilot.press(*"2900000000013", "enter")
        await wait(pilot)
        shown = str(editor.query_one("#tpl-preview", Static).content)
        assert "Олена Коваль (uk), SMS 1 part:" in shown
        assert "Олена, бонуси 100.00 ₴ згорять 30.11.2026" in shown
        # F8: the SMS goes in Latin letters; F5: the English text keeps the built-in one
        await pilot.press("f8")
        assert counter(editor).startswith("SMS in Latin: ") and "GSM-7" in counter(editor)
        await pilot.press("f5")
        await wait(pilot)
        assert area.text.startswith("{first_name}, {bonus_expiring} of your bonuses expire")
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        row = MessageTemplate.get(MessageTemplate.kind == "bonus_expiring")
        assert row.text_uk == "{first_name}, бонуси {bonus_expiring} згорять {bonus_expiry_date}"
        assert row.text_en.startswith("{first_name}, {bonus_expiring} of your bonuses")
        assert row.sms_latin and row.updated_by_id == ui_staff["manager"].id
        assert "own" in screen_text(app) and "Latin" in screen_text(app)
        # Delete: back to the built-in text after a confirmation
        table.move_cursor(row=row_of(app.screen, "bonus_expiring"))
        await pilot.press("delete")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("f2")
        await wait(pilot)
        assert MessageTemplate.select().count() == 0
    actions = [
        e.action for e in AuditEntry.select().where(AuditEntry.object_type == "message_template")
    ]
    assert actions == ["template.save", "template.reset"]


async def test_a_new_mailing_template_and_a_viber_button_over_30_refused(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        listing = await open_templates(pilot)
        await pilot.press("insert")
        await wait(pilot)
        await pilot.press(*"Весна", "f2")
        await wait(pilot)
        editor = app.screen
        assert isinstance(editor, TemplateScreen)
        assert "Mailing: Весна" in screen_text(app)
        editor.query_one("#tpl-text", TextArea).load_text(
            "{first_name}, знижка 20% з кодом {promo_code}! {shop}"
        )
        editor.query_one("#tpl-button", Input).value = "Отримати знижку просто зараз і тут"
        editor.query_one("#tpl-link", Input).value = "https://shop.example/spring"
        await pilot.press("f2")
        await wait(pilot)
        message = str(editor.query_one("#templates-message", Label).content)
        assert "34 characters; Viber takes at most 30" in message
        assert MessageTemplate.select().count() == 0
        editor.query_one("#tpl-button", Input).value = "Отримати знижку"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is listing
        assert listing.rows[-1].kind == "mailing:Весна"
        assert "Mailing: Весна" in screen_text(app)
    found = tp.render("mailing:Весна", "en", {"first_name": "Ann", "promo_code": "S20"})
    assert found.text == "Ann, знижка 20% з кодом S20!"
    assert found.viber is not None and found.viber.button_text == "Отримати знижку"


async def test_the_palette_opens_the_templates_for_who_sends_mailings(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        hits = [hit async for hit in AreaCommands(app.screen).search("message templates")]
        assert [hit.text for hit in hits] == ["Message templates"]
        hits[0].command()
        await wait(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        await pilot.press("escape")
        await wait(pilot)
        assert not isinstance(app.screen, TemplatesScreen)
        await pilot.press("ctrl+o")  # log out
        await wait(pilot)
        await log_in(pilot, "Kateryna Cashier", "3333")
        names = [hit.text async for hit in AreaCommands(app.screen).discover()]
        assert "Message templates" not in names
