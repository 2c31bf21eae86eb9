"""Sets and pre-orders in the Promotions area, by keyboard: a new set (parts, a price not
below them confirmed), a set sold as an article, stopping one; a pre-order taken for a customer
found by phone (a price below the catalog's confirmed by a senior's PIN), prepaid into the open
shift, reserved when the goods arrive, cancelled with the prepayment given back."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from torgtui.app import TorgApp
from torgtui.catalog.stock import post_movement
from torgtui.marketing import bundles, ledger, preorders
from torgtui.models import CashMovement
from torgtui.models.preorders import Preorder
from torgtui.sales.shifts import open_shift
from torgtui.screens.approval import SeniorPinScreen
from torgtui.screens.bundles import BundleScreen, BundlesScreen
from torgtui.screens.office_dialogs import FormDialog, MoneyDialog
from torgtui.screens.preorders import NewPreorderScreen, PreorderScreen, PreordersScreen
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle
from .promo_shop import build_promo_shop


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def add_part(pilot, code: str, qty: str) -> None:
    await pilot.press("insert")
    await wait(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, FormDialog)
    dialog.query_one("#form-product", Input).value = code
    dialog.query_one("#form-qty", Input).value = qty
    await pilot.press("f2")
    await wait(pilot)


async def test_a_new_set_its_price_confirmed_and_a_set_stopped(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("4", "8")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, BundlesScreen)
        assert [(r.data.code, r.parts_total) for r in screen.rows] == [
            ("DRESS+CREAM", 143990),
            ("GIFT", 37980),
        ]
        await pilot.press("insert")
        await wait(pilot)
        editor = app.screen
        assert isinstance(editor, BundleScreen)
        editor.query_one("#set-code", Input).value = "SCARF+CREAM"
        editor.query_one("#set-name", Input).value = "Шарф і крем"
        editor.query_one("#set-price", Input).value = "600"
        await add_part(pilot, shop.codes["S-1"], "1")
        await add_part(pilot, "C-1", "1.5")  # by the piece
        assert "sold by the piece: the quantity must be whole" in app.screen.message
        app.screen.query_one("#form-qty", Input).value = "2"
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is editor and [p.sku for p in editor.parts] == ["S-1", "C-1"]
        await add_part(pilot, "S-1", "1")  # twice: said, not added
        assert "is in the set already" in editor.message and len(editor.parts) == 2
        await pilot.press("f2")  # 600.00 >= 300.00 + 2 x 189.90 = 679.80? no: below, saved
        await wait(pilot)
        assert app.screen is screen
        saved = bundles.bundle("SCARF+CREAM")
        assert saved is not None and saved.price == 60000 and len(saved.parts) == 2
        table = screen.query_one("#bundles", DataTable)
        table.move_cursor(row=[r.data.code for r in screen.rows].index("SCARF+CREAM"))
        await pilot.press("enter")
        await wait(pilot)
        editor = app.screen
        editor.query_one("#set-price", Input).value = "700"  # above the parts: asked
        editor.query_one("#set-article", Input).value = "NOPE"
        await pilot.press("f2")
        await wait(pilot)
        assert "No active product has the barcode or SKU 'NOPE'" in editor.message
        editor.query_one("#set-article", Input).value = ""
        await pilot.press("f2")
        await wait(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "700.00 ₴ is not below what its parts cost (679.80 ₴)" in confirm.text
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is screen
        assert bundles.bundle("SCARF+CREAM").price_confirmed  # type: ignore[union-attr]
        await pilot.press("delete")
        await wait(pilot)
        await pilot.press("y")
        await wait(pilot)
        assert not bundles.bundle("SCARF+CREAM").active  # type: ignore[union-attr]
        gift = next(r for r in screen.rows if r.data.code == "GIFT")
        assert gift.article == "SET-1 Набір «Догляд»" and gift.data.disassemble


async def test_a_pre_order_taken_prepaid_reserved_and_cancelled(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    from torgtui import roles

    roles.set_role_permission(  # a senior cashier who may enter the area (to take orders)
        "senior_cashier", "write_off_bonuses", True, by=ui_staff["owner"], clock=clock
    )
    senior = ui_staff["senior_cashier"]
    shift = open_shift(senior, "till-1", shop.location, 100000, clock=clock, fiscal=False)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Serhii Senior", "4444")
        await pilot.press("4", "9")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PreordersScreen)
        assert screen.query_one("#preorders").cursor_row.code == "PO-1"
        await pilot.press("insert")
        await wait(pilot)
        app.screen.query_one("#form-text", Input).value = "+380671234567"
        await pilot.press("f2")
        await wait(pilot)
        new = app.screen
        assert isinstance(new, NewPreorderScreen) and new.customer_name == "Оксана Мельник"
        await pilot.press("f2")
        await wait(pilot)
        assert new.message == "Add the goods ordered first (Insert)."
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        dialog.query_one("#form-product", Input).value = shop.codes["D-1"]
        dialog.query_one("#form-qty", Input).value = "2"
        dialog.query_one("#form-price", Input).value = "1100"
        await pilot.press("f2")
        await wait(pilot)
        assert [(x.sku, x.qty, x.agreed) for x in new.lines] == [("D-1", 2000, 110000)]
        await pilot.press("f2")  # below the catalog: a senior cashier asks a manager
        await wait(pilot)
        pin = app.screen
        assert isinstance(pin, SeniorPinScreen)
        await pilot.press(*"2222", "enter")
        await wait(pilot)
        card = app.screen
        assert isinstance(card, PreorderScreen)
        order = Preorder.get(Preorder.number == 2)
        assert (order.total, order.status, order.price_approval_id is not None) == (
            220000,
            "open",
            True,
        )
        assert (
            str(card.query_one("#preorder-title").content)
            == "PO-2 · Оксана Мельник · waiting for goods"
        )
        await pilot.press("f4")
        await wait(pilot)
        money = app.screen
        assert isinstance(money, MoneyDialog)
        assert money.query_one("#money-amount", Input).value == "2200.00"
        money.query_one("#money-amount", Input).value = "500"
        await pilot.press("f2")  # in cash
        await wait(pilot)
        assert "to pay 1\u202f700.00 ₴" in str(card.query_one("#preorder-money").content)
        await pilot.press("f5")  # 5 dresses in stock, none held: both held at once
        await wait(pilot)
        assert preorders.show(order.id, by=senior).head.status == "ready"
        post_movement(shop.scarf, shop.location, 1000, "inbound", clock=clock, system=True)
        await pilot.press("f8")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#form-reason", Input).value = "передумала"
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, PreorderScreen)
        assert "Cancelled: the prepayment was given back." in str(
            card.query_one("#preorder-hint").content
        )
        await pilot.press("escape", "f3")
        await wait(pilot)
        listing = screen.query_one("#preorders")
        assert listing.cursor_row.code == "PO-2" and listing.cursor_row.status == "cancelled"
    cash = [(m.kind, m.amount) for m in CashMovement.select().where(CashMovement.shift == shift.id)]
    assert ("in", 50000) in cash and ("out", 50000) in cash
    account = ledger.find_account(ledger.Kind.PREPAYMENT, "preorder", order.id)
    assert ledger.balance(account) == 0


async def test_the_menu_and_what_a_pre_order_card_refuses(settings, ui_staff, clock):
    build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "Maria Manager", "2222")
        await pilot.press("4")
        await wait(pilot)
        shown = app.screen.query_one("#loyalty-sections")
        ids = [shown.get_option_at_index(i).id for i in range(shown.option_count)]
        assert ids[-4:] == ["promotions", "code_batches", "bundles", "preorders"]
        await pilot.press("9")
        await wait(pilot)
        assert isinstance(app.screen, PreordersScreen)
        await pilot.press("enter")
        await wait(pilot)
        card = app.screen
        assert isinstance(card, PreorderScreen)
        await pilot.press("f4")  # no shift open on this register: said, nothing asked
        await wait(pilot)
        assert app.screen is card
        assert "No open shift on this register" in card.message
        await pilot.press("f5")  # the scarf has not arrived
        await wait(pilot)
        assert "Nothing of pre-order PO-1 is in stock yet" in card.message
