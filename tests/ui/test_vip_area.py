"""The VIP balances area: the list (most overdue first), the statement, a payment by the cashier
that ends in the right ledger rows and cash movement, a deposit, new terms by the manager, the
export, and what each role is offered."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Select

from torgtui.app import TorgApp
from torgtui.marketing import ledger, vip
from torgtui.models import AuditEntry, CashMovement, FiscalJob, LedgerEntry, LedgerMatch, Shift
from torgtui.screens.office_dialogs import FormDialog, MoneyDialog
from torgtui.screens.vip import VipListScreen
from torgtui.screens.vip_account import VipStatementScreen

from .helpers import log_in, settle
from .vip_shop import build_vip_shop


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_vip(pilot, name: str, pin: str) -> VipListScreen:
    await log_in(pilot, name, pin)
    await pilot.press("3")
    await wait(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, VipListScreen)
    return screen


async def test_the_list_puts_the_overdue_first_and_the_cashier_takes_a_chosen_item(
    settings, ui_staff, clock
):
    shop = build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_vip(pilot, "Kateryna Cashier", "3333")
        rows = screen.listing.rows
        assert [r.name for r in rows] == ["Коваленко Ольга", "Шевченко Тарас", "Бондаренко Ірина"]
        assert (rows[0].debt, rows[0].overdue, rows[0].overdue_days) == (143990, 125000, 16)
        assert screen.render_row(rows[0], 79).startswith("! Коваленко Ольга")
        # the cashier takes money but does not change terms nor add VIPs
        assert screen.check_action("terms", ()) is False
        assert screen.check_action("add", ()) is False
        assert screen.check_action("pay", ()) is True
        await pilot.press("down", "enter")  # Шевченко: items mode
        await wait(pilot)
        statement = app.screen
        assert isinstance(statement, VipStatementScreen)
        items = statement.items
        assert [(i.what, i.owes) for i in items] == [
            ("Receipt 3, Сукня літня × 1", 125000),
            ("Receipt 3, Крем для рук × 1", 18990),
        ]
        assert statement.check_action("deposit", ()) is False  # not a goods-and-cash account
        await pilot.press("down", "space")  # the cream first
        assert statement.marked == [items[1].entry_id]
        await pilot.press("f4")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, MoneyDialog)
        assert dialog.query_one("#money-amount", Input).value == ""  # items chosen: type it
        await pilot.press(*"200")
        await pilot.press("enter")  # Enter takes no money: it says which key does
        assert "F2" in dialog.message and app.screen is dialog
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is statement
    payment = LedgerEntry.get(LedgerEntry.kind == "payment")
    assert (payment.amount, payment.document.split(":")[0]) == (20000, "cash")
    matched = [
        (m.item_id, m.amount) for m in LedgerMatch.select().where(LedgerMatch.entry == payment.id)
    ]
    assert matched == [(items[1].entry_id, 18990), (items[0].entry_id, 1010)]
    shift = Shift.get(Shift.status == "open")
    (moved,) = CashMovement.select().where(CashMovement.kind == "vip_cash")
    assert (moved.amount, moved.shift_id, moved.employee_id) == (
        20000,
        shift.id,
        ui_staff["cashier"].id,
    )
    (job,) = FiscalJob.select()  # the fiscal unit hears of the cash (a service cash-in)
    assert (job.kind, job.shift_id) == ("cash_in", shift.id)
    assert vip.check(shop.items.id).ok
    account = ledger.find_account(ledger.Kind.VIP, "customer", shop.items.id)
    assert ledger.check_account(account).ok
    assert ledger.balance(account) == -143990 + 20000


async def test_a_payment_by_card_from_the_list_and_the_list_reads_again(settings, ui_staff, clock):
    shop = build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_vip(pilot, "Kateryna Cashier", "3333")
        await pilot.press("f4")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, MoneyDialog)
        assert dialog.query_one("#money-amount", Input).value == "1439.90"  # all that is owed
        await pilot.press("f3")
        await wait(pilot)
        assert app.screen is screen
        await wait(pilot)
        rows = screen.listing.rows  # she owes nothing now: after those who owe
        assert [(r.name, r.debt) for r in rows] == [
            ("Шевченко Тарас", 143990),
            ("Коваленко Ольга", 0),
            ("Бондаренко Ірина", 0),
        ]
    (moved,) = CashMovement.select().where(CashMovement.kind == "vip_card")
    assert moved.amount == 143990
    assert vip.state_of(shop.credit.id, clock()).debt == 0


async def test_no_open_shift_no_payment(settings, ui_staff, clock):
    build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_vip(pilot, "Olena Owner", "1111")  # the shift is the cashier's
        await pilot.press("f4")
        await wait(pilot)
        assert app.screen is screen
        assert "No open shift on this register" in screen.message
    assert not CashMovement.select().where(CashMovement.kind.startswith("vip")).exists()


async def test_a_deposit_onto_a_goods_and_cash_account(settings, ui_staff, clock):
    shop = build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_vip(pilot, "Kateryna Cashier", "3333")
        await pilot.press("down", "down", "enter")
        await wait(pilot)
        statement = app.screen
        assert isinstance(statement, VipStatementScreen)
        assert statement.check_action("deposit", ()) is True
        await pilot.press("f5")
        await wait(pilot)
        await pilot.press(*"3000", "f2")
        await wait(pilot)
        assert "Held on account 3\u202f000.00 ₴" in str(statement.query_one("#vip-state").content)
        entries = statement.query_one("#vip-entries").rows
        assert [(e.kind, e.amount, e.balance) for e in entries] == [("deposit", 300000, 300000)]
    assert vip.state_of(shop.account.id, clock()).balance == 300000


async def test_the_manager_changes_terms_and_makes_a_customer_vip(settings, ui_staff, clock):
    shop = build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_vip(pilot, "Maria Manager", "2222")
        await pilot.press("f7")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#form-limit", Input).value == "5000.00"
        await pilot.press("tab", *"1000", "f2")  # below what she owes: refused in words
        await wait(pilot)
        assert app.screen is dialog and "cannot be less than that" in dialog.message
        dialog.query_one("#form-limit", Input).value = "8000"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is screen
        # Insert: find Мельник by his card, make him VIP on a goods-and-cash account
        await pilot.press("insert")
        await pilot.press(*shop.plain.card)
        await pilot.pause(0.05)
        await pilot.press("enter")
        await wait(pilot)
        terms = app.screen
        assert isinstance(terms, FormDialog) and "Мельник Петро" in terms.title_text
        terms.query_one("#form-mode", Select).value = "account"
        await pilot.press("tab", *"2000", "tab", *"30", "f2")
        await wait(pilot)
        assert app.screen is screen
        assert "Мельник Петро" in [r.name for r in screen.listing.rows]
    assert vip.state_of(shop.credit.id, clock()).limit == 800000
    plain = vip.state_of(shop.plain.id, clock())
    assert (plain.mode, plain.limit, plain.term_days) == ("account", 200000, 30)
    actions = [
        a.action for a in AuditEntry.select().where(AuditEntry.employee == ui_staff["manager"].id)
    ]
    assert actions[actions.index("login") :].count("vip.set") == 2  # after the shop's own


async def test_the_statement_is_exported_to_xlsx(settings, ui_staff, clock, tmp_path: Path):
    build_vip_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    target = tmp_path / "olga.xlsx"
    async with app.run_test(size=(80, 24)) as pilot:
        await open_vip(pilot, "Maria Manager", "2222")
        await pilot.press("enter")
        await wait(pilot)
        statement = app.screen
        assert isinstance(statement, VipStatementScreen)
        assert statement.query_one("#vip-items", DataTable).row_count == 2
        await pilot.press("f6")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        assert dialog.query_one("#form-path", Input).value.endswith("-2026-11-22.pdf")
        dialog.query_one("#form-path", Input).value = str(tmp_path / "olga.txt")
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is dialog  # the service refuses the name: the dialog stays open
        assert ".pdf or .xlsx" in dialog.message
        dialog.query_one("#form-path", Input).value = str(target)
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is statement
    assert target.exists() and target.stat().st_size > 1000


async def test_the_list_reads_a_page_at_a_time(settings, ui_staff, clock):
    """Sixty VIP customers: the list holds a few pages around the cursor, read as it moves,
    in the list's order (those who owe first, then by card), none twice."""
    from torgtui.models import Customer

    shop = build_vip_shop(ui_staff, clock)
    for n in range(60):
        c = Customer.create(name=f"Клієнт {n:02d}", created_at=clock(), updated_at=clock())
        vip.set_vip(c.id, "account", limit=0, by=ui_staff["manager"], clock=clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_vip(pilot, "Maria Manager", "2222")
        listing = screen.listing
        first = len(listing.rows)
        assert first < 63
        for _page in range(5):
            await pilot.press("pagedown")
            await wait(pilot)
        names = [r.name for r in listing.rows]
        assert len(names) == len(set(names))
        assert listing.cursor_row.name.startswith("Клієнт")
        ids = [r.customer_id for r in listing.rows if r.debt == 0]
        assert ids == sorted(ids)
        await pilot.press("home")
        await wait(pilot)
        assert listing.cursor_row.name == shop.credit.name  # the overdue one is first
