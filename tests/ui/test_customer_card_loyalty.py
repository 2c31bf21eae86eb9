"""The customer card's Loyalty section by keys at 80x24 (issue 8): the card, tier and progress,
bonuses with their expiry, the VIP account with its overdue debt; issuing a card (the next
number, or a blank card scanned), blocking and unblocking it, saving it as a PDF; and "save
anyway" for a phone a family shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from textual.widgets import DataTable, Label, Static

from torgtui.app import TorgApp
from torgtui.catalog.barcodes import is_valid_gtin, make_ean13
from torgtui.customers.service import CardData, create_customer
from torgtui.db import write_tx
from torgtui.marketing import bonuses, ledger, vip
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.models import AuditEntry, Customer
from torgtui.screens.customer_card import CustomerCardScreen
from torgtui.screens.customer_card_loyalty import LoyaltySection
from torgtui.screens.sale_dialogs import AskScreen, ConfirmScreen, PickScreen

from .helpers import log_in, settle, type_then_enter

T0 = dt.datetime(2026, 11, 1, 9, 0)
CARD = make_ean13("29", 21)


@pytest.fixture
def types(sqlite_db, ui_staff, clock):
    manager = ui_staff["manager"]
    bonus = save_card_type(
        CardTypeData(
            code="bonus5",
            name="Bonus",
            kind="bonus",
            bonus_percent=Decimal(5),
            bonus_expiry_days=90,
        ),
        by=manager,
        clock=clock,
    )
    gold = save_card_type(
        CardTypeData(
            code="gold",
            name="Gold",
            kind="accumulative",
            thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))],
        ),
        by=manager,
        clock=clock,
    )
    return {"bonus": bonus, "gold": gold}


async def open_loyalty(pilot, customer_id: int, who=("Olena Owner", "1111")):
    await log_in(pilot, *who)
    pilot.app.push_screen(CustomerCardScreen(customer_id))
    await settle(pilot)
    await pilot.press("alt+7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CustomerCardScreen)
    return screen, screen.query_one(LoyaltySection)


def facts_text(section: LoyaltySection) -> str:
    return str(section.query_one("#loyalty-facts", Static).content)


def message(screen) -> str:
    return str(screen.query_one("#card-message", Label).content)


async def test_the_section_shows_card_tier_bonuses_and_the_vip_account(
    settings, ui_staff, types, clock
):
    olha = Customer.create(
        name="Olha",
        card=CARD,
        card_type=types["gold"].id,
        card_issued_at=T0,
        tier_floor=700000,  # 7 000.00 counted toward the thresholds
        created_at=T0,
        updated_at=T0,
    )
    with write_tx():
        account = bonuses.account_of(olha.id, T0)
        ledger.post(account, 12000, "earn", now=T0, expires_at=dt.datetime(2026, 12, 1, 10))
        ledger.post(account, 3050, "earn", now=T0)  # never lapses
    vip.set_vip(olha.id, "credit", limit=150000, term_days=14, by=ui_staff["manager"])
    with write_tx():  # owed since 20 days ago, due after 14: 6 days overdue
        account = ledger.find_account("vip", "customer", olha.id)
        before = clock() - dt.timedelta(days=20)
        ledger.post(account, -70000, "charge", now=before, due_at=vip.due_date(before, 14))
        vip.refresh(olha.id, account, before)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, section = await open_loyalty(pilot, olha.id)
        assert screen.current == "loyalty"
        text = facts_text(section)
        assert f"Card {CARD} · active · issued 01.11.2026\nGold (accumulative discount)\n" in text
        assert "Tier 3% from 5\u202f000.00 ₴ · bought 7\u202f000.00 ₴" in text
        assert "8\u202f000.00 ₴ more to 5%" in text
        assert "Bonuses 150.50 ₴, to spend now 150.50 ₴ · 120.00 ₴ lapse 01.12.2026" in text
        assert "VIP: sale on credit · limit 1\u202f500.00 ₴ · owes 700.00 ₴" in text
        assert "available 800.00 ₴" in text
        overdue = section.query_one("#loyalty-overdue", Label)
        assert overdue.display
        assert str(overdue.content) == (
            "Overdue debt 700.00 ₴, 6 days past the term: ask for payment."
        )
        table = section.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows == [["120.00 ₴", "01.12.2026"], ["30.50 ₴", "never"]]
        assert app.focused is table


async def test_issue_a_card_by_number_then_a_blank_card_block_unblock_and_print(
    settings, ui_staff, types, clock, tmp_path
):
    ivan = Customer.create(name="Ivan", created_at=T0, updated_at=T0)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, section = await open_loyalty(pilot, ivan.id, ("Maria Manager", "2222"))
        assert "No card yet: F5 issues one" in facts_text(section)
        await pilot.press("f6")  # nothing to block yet
        await settle(pilot)
        assert "has no card yet" in message(screen)
        await pilot.press("f5")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert [text for _key, text in pick.options] == ["Bonus", "Gold"]
        await pilot.press("down", "enter")  # Gold
        await settle(pilot)
        assert isinstance(app.screen, AskScreen)
        await pilot.press("enter")  # no blank card: the next number
        await settle(pilot)
        issued = Customer.get_by_id(ivan.id)
        assert issued.card_type_id == types["gold"].id
        assert issued.card.startswith("29") and is_valid_gtin(issued.card)
        assert message(screen) == f"Card {issued.card} issued to Ivan."
        assert f"Card {issued.card} · active" in facts_text(section)
        assert "Gold (accumulative discount)" in facts_text(section)
        assert screen.query_one("#card-card").value == issued.card
        # a blank plastic card scanned instead: the old number stops working
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("enter")  # the customer's own type is offered first: Gold
        await settle(pilot)
        await pilot.press(*CARD, "enter")  # a scan into a dialog that takes scans
        await settle(pilot)
        assert Customer.get_by_id(ivan.id).card == CARD
        issues = AuditEntry.select().where(AuditEntry.action == "customer.card_issue").count()
        assert issues == 2
        # block and unblock, with a reason
        await pilot.press("f6")
        await settle(pilot)
        await type_then_enter(pilot, "lost")
        await settle(pilot)
        assert Customer.get_by_id(ivan.id).card_status == "blocked"
        assert message(screen) == f"Card {CARD} blocked."
        assert "· blocked ·" in facts_text(section)
        await pilot.press("f6")
        await settle(pilot)
        await type_then_enter(pilot, "found")
        await settle(pilot)
        assert Customer.get_by_id(ivan.id).card_status == "active"
        # print: a PDF where the cashier says
        target = tmp_path / "ivan-card.pdf"
        await pilot.press("f7")
        await settle(pilot)
        ask = app.screen
        assert isinstance(ask, AskScreen) and ask.value == f"card-{CARD}.pdf"
        ask.query_one("#ask-input").value = str(target)
        await pilot.pause(0.05)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_bytes().startswith(b"%PDF")
        assert message(screen) == f"Card saved to {target}: print it on card stock."


async def test_a_cashier_may_not_block_a_card(settings, ui_staff, types, clock):
    olha = Customer.create(
        name="Olha", card=CARD, card_type=types["bonus"].id, created_at=T0, updated_at=T0
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen, section = await open_loyalty(pilot, olha.id, ("Kateryna Cashier", "3333"))
        assert "Bonus (bonus card): 5% in bonuses, they last 90 days" in facts_text(section)
        await pilot.press("f6")
        await settle(pilot)
        await type_then_enter(pilot, "lost")
        await settle(pilot)
        assert Customer.get_by_id(olha.id).card_status == "active"
        assert "may not" in message(screen) or "permission" in message(screen).lower()


async def test_save_anyway_puts_a_second_card_on_a_familys_phone(settings, ui_staff, clock):
    create_customer(CardData(name="Iryna Mother", phones=["0671112233"]), by=ui_staff["owner"])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        pilot.app.push_screen(CustomerCardScreen(None))
        await settle(pilot)
        screen = app.screen
        await pilot.press(*"Ivan Son", "enter")
        await pilot.press(*"067 111 22 33")
        await pilot.press("f2")
        await settle(pilot)
        pick = app.screen
        assert isinstance(pick, PickScreen)
        assert [key for key, _text in pick.options] == ["share", "open"]
        await pilot.press("enter")  # save anyway
        await settle(pilot)
        assert app.screen is screen
        assert message(screen) == "Saved."
    assert sorted(c.name for c in Customer.select()) == ["Iryna Mother", "Ivan Son"]
    assert AuditEntry.select().where(AuditEntry.action == "customer.shared_phone").count() == 1


async def test_a_cashier_is_offered_the_existing_card_only(settings, ui_staff, clock):
    create_customer(CardData(name="Iryna Mother", phones=["0671112233"]), by=ui_staff["owner"])
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Kateryna Cashier", "3333")
        pilot.app.push_screen(CustomerCardScreen(None))
        await settle(pilot)
        await pilot.press(*"Ivan Son", "enter")
        await pilot.press(*"067 111 22 33")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Open the card of Iryna Mother instead?" in app.screen.question
    assert Customer.select().count() == 1
