"""The Loyalty and promotions area: editing a card type's thresholds, a new bonus card with a
group rate, an accelerator, the loyalty policy, and bonus write-offs (one card; many by a
filter, counted first and confirmed), each as the manager would, by keyboard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from textual.widgets import DataTable, Input, Select

from torgtui.app import TorgApp
from torgtui.db import write_tx
from torgtui.marketing import bonuses, cards, ledger, policy
from torgtui.marketing.accelerators import accelerators
from torgtui.models import (
    AuditEntry,
    Barcode,
    CardThreshold,
    CardType,
    Customer,
    LedgerEntry,
    Product,
    ProductGroup,
)
from torgtui.screens.card_types import CardTypeScreen, CardTypesScreen
from torgtui.screens.loyalty import LoyaltyScreen
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle

T0 = dt.datetime(2026, 11, 22, 10, 0)


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


def rules_shop() -> dict[str, object]:
    group = ProductGroup.create(name="Косметика", path="Косметика")
    product = Product.create(
        sku="C-1", name="Крем", price=18990, cost=9000, group=group, created_at=T0, updated_at=T0
    )
    Barcode.create(code="2100000000010", product=product)
    cards.save_card_type(
        cards.CardTypeData(
            "ACC",
            "Накопичувальна",
            "accumulative",
            thresholds=[(500000, Decimal(3)), (1500000, Decimal(5))],
        ),
        by=None,
        system=True,
    )
    bonus = cards.save_card_type(
        cards.CardTypeData("BONUS", "Бонусна", "bonus", bonus_percent=Decimal(5)),
        by=None,
        system=True,
    )
    return {"group": group, "product": product, "bonus": bonus}


def bonus_customer(name: str, card: str, amount: int, card_type: CardType, last_visit) -> Customer:
    c = Customer.create(
        name=name,
        card=card,
        card_type=card_type.id,
        last_visit=last_visit,
        created_at=T0 - dt.timedelta(days=800),
        updated_at=T0,
    )
    with write_tx():
        account = bonuses.account_of(c.id, T0)
        ledger.post(account, amount, "earn", now=T0 - dt.timedelta(days=500))
    return c


async def open_loyalty(pilot, name: str = "Maria Manager", pin: str = "2222") -> LoyaltyScreen:
    await log_in(pilot, name, pin)
    await pilot.press("4")
    await wait(pilot)
    assert isinstance(pilot.app.screen, LoyaltyScreen)
    return pilot.app.screen


async def test_the_manager_edits_an_accumulative_cards_thresholds(settings, ui_staff, clock):
    rules_shop()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("1")
        await wait(pilot)
        listing = app.screen
        assert isinstance(listing, CardTypesScreen)
        assert [t.code for t in listing.types] == ["ACC", "BONUS"]
        await pilot.press("enter")
        await wait(pilot)
        editor = app.screen
        assert isinstance(editor, CardTypeScreen) and editor.kind == "accumulative"
        assert editor.query_one("#ct-code", Input).disabled  # the id names the type
        table = editor.query_one("#ct-rows", DataTable)
        assert table.row_count == 2
        table.focus()
        await pilot.press("down", "enter")  # the 15 000 threshold: 5% -> 6%
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#form-from", Input).value == "15000.00"
        await pilot.press("tab", *"6", "f2")
        await wait(pilot)
        await pilot.press("insert")  # a new one: from 30 000, 7%
        await wait(pilot)
        await pilot.press(*"30000", "enter", *"7", "enter")
        await wait(pilot)
        assert app.screen is editor and table.row_count == 3
        await pilot.press("insert", *"40000", "enter", *"6", "enter")  # not more than 7%
        await wait(pilot)
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is editor and "Thresholds overlap" in editor.message
        table.focus()
        table.move_cursor(row=3)  # 40 000
        await pilot.press("delete")
        assert table.row_count == 3
        editor.query_one("#ct-name", Input).value = "Золота"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is listing, editor.message
        assert [t.name for t in listing.types] == ["Золота", "Бонусна"]
    acc = CardType.get(CardType.code == "ACC")
    assert acc.name == "Золота"
    rows = CardThreshold.select().where(CardThreshold.card_type == acc.id)
    assert sorted((t.from_amount, t.percent_bp) for t in rows) == [
        (500000, 300),
        (1500000, 600),
        (3000000, 700),
    ]
    saved = AuditEntry.select().where(AuditEntry.action == "card_type.save").order_by(AuditEntry.id)
    assert saved[-1].employee_id == ui_staff["manager"].id


async def test_a_new_bonus_card_with_a_group_rate(settings, ui_staff, clock):
    shop = rules_shop()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("1")
        await wait(pilot)
        await pilot.press("insert")
        await wait(pilot)
        editor = app.screen
        assert isinstance(editor, CardTypeScreen)
        await pilot.press(*"KIDS", "tab", *"Дитяча бонусна")
        editor.query_one("#ct-kind", Select).value = "bonus"
        await pilot.pause()
        editor.query_one("#ct-bonus", Input).value = "4"
        editor.query_one("#ct-days", Input).value = "90"
        await pilot.press("insert")
        await wait(pilot)
        assert isinstance(app.screen, FormDialog)
        await pilot.press("tab", *"10", "f2")
        await wait(pilot)
        assert editor.query_one("#ct-rows", DataTable).row_count == 1
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, CardTypesScreen)
    rule = next(r for r in cards.rules().values() if r.code == "KIDS")
    assert (rule.kind, rule.bonus_bp, rule.expiry_days) == ("bonus", 400, 90)
    assert rule.group_rates == {shop["group"].id: 1000}


async def test_an_accelerator_by_the_products_barcode(settings, ui_staff, clock):
    shop = rules_shop()
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("2")
        await wait(pilot)
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#form-code", Input).value = "CREAM-GOLD"
        dialog.query_one("#form-product", Input).value = "2100000000099"
        dialog.query_one("#form-threshold", Input).value = "15000"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is dialog and "2100000000099" in dialog.message
        dialog.query_one("#form-product", Input).value = "2100000000010"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is not dialog
        table = app.screen.query_one("#accelerators", DataTable)
        assert table.row_count == 1
    (made,) = accelerators()
    assert (made.code, made.action, made.card_type, made.product, made.threshold) == (
        "CREAM-GOLD",
        "tier",
        "ACC",
        shop["product"].id,
        1500000,
    )


async def test_the_loyalty_policy_is_saved_and_audited(settings, ui_staff, clock):
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("3")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#form-change", Select).value = "coins"
        dialog.query_one("#form-notice", Input).value = "400"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is dialog and "365" in dialog.message
        dialog.query_one("#form-notice", Input).value = "14"
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, LoyaltyScreen)
    found = policy.load()
    assert (found.change_to_card, found.expiry_notice_days) == ("coins", 14)
    assert AuditEntry.select().where(AuditEntry.action == "loyalty.policy").count() == 1


async def test_one_cards_bonuses_written_off(settings, ui_staff, clock):
    shop = rules_shop()
    olga = bonus_customer("Ольга", "2900000000018", 12000, shop["bonus"], T0)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("4")
        await pilot.press(*olga.card)
        await pilot.pause(0.05)
        await pilot.press("enter")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog) and "120.00" in str(
            dialog.query_one(".dialog-line").content
        )
        await pilot.press(*"50", "enter", "enter")  # no reason yet
        await wait(pilot)
        assert app.screen is dialog and "reason" in dialog.message.lower()
        await pilot.press(*"card lost", "enter")
        await wait(pilot)
        assert isinstance(app.screen, LoyaltyScreen)
    assert bonuses.balance_of(olga.id) == 7000
    entry = LedgerEntry.get(LedgerEntry.kind == "write_off")
    assert (entry.amount, entry.note, entry.employee_id) == (
        -5000,
        "card lost",
        ui_staff["manager"].id,
    )


async def test_a_mass_write_off_is_counted_then_confirmed(settings, ui_staff, clock):
    shop = rules_shop()
    long_ago = T0 - dt.timedelta(days=400)
    idle = [
        bonus_customer("Ірина", "2900000000025", 5000, shop["bonus"], long_ago),
        bonus_customer("Тарас", "2900000000032", 7550, shop["bonus"], None),
    ]
    active = bonus_customer("Олег", "2900000000049", 9900, shop["bonus"], T0)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("5")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        await pilot.press(*"365", "tab")
        dialog.query_one("#form-type", Select).value = str(shop["bonus"].id)
        dialog.query_one("#form-reason", Input).value = "unused for a year"
        await pilot.press("f2")  # counts: nothing written yet
        await wait(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        text = str(confirm.query_one("#confirm-text").content)
        assert "125.50" in text and "2 cards" in text
        assert not LedgerEntry.select().where(LedgerEntry.kind == "write_off").exists()
        await pilot.press("enter")  # Enter does not answer
        assert app.screen is confirm
        await pilot.press("y")
        await wait(pilot)
        assert isinstance(app.screen, LoyaltyScreen)
    assert [bonuses.balance_of(c.id) for c in idle] == [0, 0]
    assert bonuses.balance_of(active.id) == 9900
    (batch,) = AuditEntry.select().where(AuditEntry.action == "bonus.mass_write_off")
    assert batch.employee_id == ui_staff["manager"].id
    for c in [*idle, active]:
        account = ledger.find_account(ledger.Kind.BONUS, "customer", c.id)
        assert ledger.check_account(account).ok


async def test_a_mass_write_off_said_no_to_writes_nothing(settings, ui_staff, clock):
    shop = rules_shop()
    bonus_customer("Ірина", "2900000000025", 5000, shop["bonus"], None)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_loyalty(pilot)
        await pilot.press("5")
        await wait(pilot)
        app.screen.query_one("#form-days", Input).value = "30"
        app.screen.query_one("#form-reason", Input).value = "old"
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await wait(pilot)
    assert not LedgerEntry.select().where(LedgerEntry.kind == "write_off").exists()
    assert not AuditEntry.select().where(AuditEntry.action == "bonus.mass_write_off").exists()


async def test_a_senior_cashier_allowed_to_write_off_sees_only_that(settings, ui_staff, clock):
    from torgtui import roles

    roles.set_role_permission(
        "senior_cashier", "write_off_bonuses", True, by=ui_staff["owner"], clock=clock
    )
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_loyalty(pilot, "Serhii Senior", "4444")
        shown = screen.query_one("#loyalty-sections")
        ids = [shown.get_option_at_index(i).id for i in range(shown.option_count)]
        assert ids == ["write_off", "mass_write_off", "preorders"]  # pre-orders: she sells
        await pilot.press("1")  # card types: not hers, the key does nothing
        await pilot.pause()
        assert app.screen is screen
