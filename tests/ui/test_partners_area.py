"""The Partners area by keyboard at 80x24: key 6 opens the list; Insert adds a partner
(a bad code is refused in words, nothing saved), F4 gives it a rate (over 100% refused),
F5 shows the attracted-customers report; nothing cut off."""

from __future__ import annotations

from textual.widgets import Input

from torgtui.app import TorgApp
from torgtui.marketing import ledger
from torgtui.marketing import partners as pt
from torgtui.marketing.ledger import Kind
from torgtui.models.partners import Partner, PartnerRate
from torgtui.screens.partners import PartnersReportScreen, PartnersScreen

from .helpers import log_in, settle
from .snapshots import find_cuts, screen_text


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def type_into(pilot, selector: str, text: str) -> None:
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    await pilot.press(*text)


async def test_add_a_partner_give_it_a_rate_and_see_the_report(settings, ui_staff, clock):
    pt.create_partner(
        ui_staff["manager"], kind="referrer", code="SALON", name="Салон краси", clock=clock
    )
    pt.create_partner(  # listed first: every key of the area shows for it
        ui_staff["manager"], kind="intermediary", code="DEALER", name="Дилер", clock=clock
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("6")
        await wait(pilot)
        area = app.screen
        assert isinstance(area, PartnersScreen)
        assert "Салон краси" in screen_text(app) and find_cuts(app) == []
        assert "f6 Reconcile f7 Money" in screen_text(app)
        await pilot.press("insert")
        await wait(pilot)
        await type_into(pilot, "#form-code", "A B")
        await type_into(pilot, "#form-name", "Бригадир")
        await pilot.press("f2")
        await wait(pilot)
        assert "codes have no spaces" in app.screen.message
        assert Partner.select().count() == 2
        await type_into(pilot, "#form-code", "FOREMAN")
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is area and area.message == "The partner is added."
        assert Partner.select().count() == 3
        await pilot.press("f4")
        await wait(pilot)
        await type_into(pilot, "#form-percent", "120")
        await pilot.press("f2")
        await wait(pilot)
        assert "at most 100" in app.screen.message
        await type_into(pilot, "#form-percent", "7.5")
        await pilot.press("f2")
        await wait(pilot)
        assert area.message == "The rate is saved."
        assert [r.percent_bp for r in PartnerRate.select()] == [750]
        await pilot.press("f5")
        await wait(pilot)
        assert isinstance(app.screen, PartnersReportScreen)
        assert find_cuts(app) == []
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is area and area.focused is area.query_one("#partners")
        await pilot.press("down", "down")  # Салон краси, a referrer: F7 pays a reward
        await wait(pilot)
        assert area.current().code == "SALON"
        await pilot.press("f7")
        await wait(pilot)
        assert find_cuts(app) == []
        await type_into(pilot, "#form-amount", "150")
        await type_into(pilot, "#form-receipt", "77")
        await pilot.press("f2")
        await wait(pilot)
        assert "no sale receipt No. 77" in app.screen.message
        await type_into(pilot, "#form-receipt", "")
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is area and area.message == "Paid."
        salon = Partner.get(Partner.code == "SALON")
        account = ledger.find_account(Kind.PARTNER, "partner", salon.id)
        assert [e.amount for e in ledger.entries(account)] == [-15000, 15000]


async def test_the_customer_card_links_its_partner(settings, ui_staff, clock):
    from textual.widgets import Select

    from torgtui.models import Customer
    from torgtui.screens.customer_card import CustomerCardScreen

    salon = pt.create_partner(
        ui_staff["manager"], kind="referrer", code="SALON", name="Салон", clock=clock
    )
    pt.add_employee(ui_staff["manager"], salon.id, "Анна", clock=clock)
    olya = Customer.create(name="Оля", created_at=clock(), updated_at=clock())
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        app.push_screen(CustomerCardScreen(olya.id))
        await wait(pilot)
        card = app.screen
        await pilot.press("f9")
        await wait(pilot)
        assert "Nobody is recorded" in screen_text(app) and find_cuts(app) == []
        app.screen.query_one("#form-partner", Select).value = "SALON"
        await type_into(pilot, "#form-employee", "Віра")
        await pilot.press("f2")
        await wait(pilot)
        assert "has no employee 'Віра'" in app.screen.message
        await type_into(pilot, "#form-employee", "анна")
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is card
        link = pt.partner_of(olya.id)
        assert (link.partner_code, link.employee_name) == ("SALON", "Анна")
