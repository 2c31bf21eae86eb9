"""Merging two cards on the merge screen: the cursor picks the card kept, Y or F2 confirms."""

from __future__ import annotations

from textual.widgets import Label

from torgtui.app import TorgApp
from torgtui.customers.service import CardData, create_customer
from torgtui.models import Customer, CustomerPhone
from torgtui.screens.customer_merge import MergeScreen
from torgtui.screens.sale_dialogs import ConfirmScreen

from .helpers import log_in, settle


async def test_merge_two_cards(settings, ui_staff, clock):
    owner = ui_staff["owner"]
    a = create_customer(CardData(name="Olha Kravets", phones=["0671111111"]), by=owner)
    b = create_customer(CardData(name="O. Kravets", phones=["0502222222"]), by=owner)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        results: list[int | None] = []
        app.push_screen(MergeScreen([a.id, b.id]), results.append)
        await settle(pilot)
        await pilot.press("enter")  # keep the first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Merge 2 cards into Olha Kravets" in app.screen.question
        await pilot.press("f2")  # Y or F2: Enter never answers a confirmation
        await settle(pilot)
    assert results == [a.id]
    active = list(Customer.select().where(Customer.status == "active"))
    assert [c.id for c in active] == [a.id]
    phones = {p.phone for p in CustomerPhone.select().where(CustomerPhone.customer == a.id)}
    assert phones == {"+380671111111", "+380502222222"}
    assert Customer.get_by_id(b.id).merged_into_id == a.id


async def test_merge_refusal_in_words(settings, ui_staff, clock):
    owner = ui_staff["owner"]
    a = create_customer(CardData(name="Kept"), by=owner)
    b = create_customer(CardData(name="Gone"), by=owner)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Olena Owner", "1111")
        screen = MergeScreen([a.id, b.id])
        app.push_screen(screen)
        await settle(pilot)
        Customer.update(status="erased").where(Customer.id == b.id).execute()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        text = str(screen.query_one("#merge-message", Label).content)
        assert "only active cards can be merged" in text
        assert Customer.get_by_id(a.id).status == "active"
