"""The Promotions area, as a manager uses it by keyboard: the list by status and search, a
promotion's card in words, the builder (a new promotion with its goods, a change, a copy), the
refusals in words with nothing written (a conflict naming both promotions and a product, bad
hours), a fixed price above a regular one confirmed, and stopping one."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable, Input, Select

from torgtui.app import TorgApp
from torgtui.marketing.promotions import get_promotion
from torgtui.models import AuditEntry
from torgtui.models.promotions import Promotion
from torgtui.screens.loyalty import LoyaltyScreen
from torgtui.screens.office_dialogs import FormDialog
from torgtui.screens.promotion_builder import PromotionBuilderScreen
from torgtui.screens.promotions import PromotionCardScreen, PromotionsScreen
from torgtui.screens.till_dialogs import ConfirmDialog

from .helpers import log_in, settle
from .promo_shop import T0, build_promo_shop


async def wait(pilot, rounds: int = 3) -> None:
    for _round in range(rounds):
        await settle(pilot)


async def open_promotions(pilot) -> PromotionsScreen:
    await log_in(pilot, "Maria Manager", "2222")
    await pilot.press("4")
    await wait(pilot)
    assert isinstance(pilot.app.screen, LoyaltyScreen)
    await pilot.press("6")
    await wait(pilot)
    assert isinstance(pilot.app.screen, PromotionsScreen)
    return pilot.app.screen


def fill(screen, **values: str) -> None:
    for key, value in values.items():
        widget = screen.query_one(f"#pb-{key}")
        widget.value = value


async def test_the_list_by_status_and_search_and_a_card_in_words(settings, ui_staff, clock):
    build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promotions(pilot)
        assert [(p.code, p.status) for p in screen.items] == [
            ("CREAM2", "running"),
            ("FLY10", "running"),
            ("HAPPY", "running"),
            ("XMAS", "planned"),
            ("AUTUMN", "ended"),
            ("OLD", "inactive"),
        ]
        await pilot.press("f3", "f3")  # all -> running -> planned
        await wait(pilot)
        assert [p.code for p in screen.items] == ["XMAS"]
        assert "planned" in str(screen.query_one("#promotions-info").content)
        await pilot.press("f3", "f3", "f3")  # ended, stopped, all
        await wait(pilot)
        assert len(screen.items) == 6
        await pilot.press("f4", *"крем", "enter")
        await wait(pilot)
        assert [p.code for p in screen.items] == ["CREAM2"]
        assert screen.query_one("#promotions", DataTable).has_focus
        await pilot.press("enter")
        await wait(pilot)
        card = app.screen
        assert isinstance(card, PromotionCardScreen)
        lines = card.lines
        assert lines[0] == "Status running"
        assert "Goods C-1 Крем для рук" in lines
        assert "When 2026-11-12 – 2026-12-12; every location" in lines
        assert "Gives every 2 items: one at −50% (of the same product)" in lines
        assert "Combines stacks with others · priority 0 · card on top" in lines
        await pilot.press("escape", "f4")
        await wait(pilot)
        app.screen.query_one("#promotions-search", Input).value = ""
        await pilot.press("enter")
        await wait(pilot)
        table = screen.query_one("#promotions", DataTable)
        table.move_cursor(row=2)  # HAPPY
        await pilot.press("enter")
        await wait(pilot)
        lines = app.screen.lines
        assert "When mon,tue,wed,thu,fri, 10:00–12:00; every location" in lines
        assert "Goods Одяг (group)" in lines
        assert any(line.endswith("festive sound") for line in lines)


async def test_a_new_promotion_built_by_keyboard(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_promotions(pilot)
        await pilot.press("insert")
        await wait(pilot)
        builder = app.screen
        assert isinstance(builder, PromotionBuilderScreen)
        assert builder.query_one("#pb-code", Input).has_focus
        await pilot.press(*"SCARF3", "enter", *"Третій шарф", "enter")
        await pilot.press("f2")  # no goods yet: refused in words
        await wait(pilot)
        assert "Give the reward's value" in builder.message
        fill(builder, value="100", weekdays="1-5", hours="10-13", min_qty="3")
        builder.query_one("#pb-mechanic", Select).value = "cheapest"
        await pilot.press("f2")
        await wait(pilot)
        assert "The promotion has no goods" in builder.message
        assert not Promotion.select().where(Promotion.code == "SCARF3").exists()
        await pilot.press("insert")
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#form-product", Input).value = "NOPE"
        await pilot.press("f2")
        await wait(pilot)
        assert "No active product has the barcode or SKU 'NOPE'" in dialog.message
        dialog.query_one("#form-product", Input).value = shop.codes["S-1"]
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is builder
        assert [r.name for r in builder.rows] == ["S-1 Шарф вовняний"]
        await pilot.press("insert")  # the dresses, taken out again: a group
        await wait(pilot)
        app.screen.query_one("#form-role", Select).value = "ex"
        app.screen.query_one("#form-kind", Select).value = "group"
        await pilot.press("f2")
        await wait(pilot)
        assert [r.role for r in builder.rows] == ["in", "ex"]
        table = builder.query_one("#pb-targets", DataTable)
        assert table.has_focus
        table.move_cursor(row=1)
        await pilot.press("delete")
        assert len(builder.rows) == 1
        await pilot.press("f2")
        await wait(pilot)
        assert isinstance(app.screen, PromotionsScreen)
    data = get_promotion("SCARF3")
    assert (data.name, data.mechanic, data.percent, data.min_qty) == (
        "Третій шарф",
        "cheapest",
        Decimal(100),
        3000,
    )
    assert (data.weekdays, data.hours) == ((0, 1, 2, 3, 4), (600, 780))
    assert [t.product_id for t in data.targets] == [shop.scarf.id]
    assert AuditEntry.select().where(AuditEntry.action == "promotion.save").count() == 7


async def test_a_conflict_names_both_and_a_product_and_saves_nothing(settings, ui_staff, clock):
    shop = build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_promotions(pilot)
        await pilot.press("insert")
        await wait(pilot)
        builder = app.screen
        fill(builder, code="WINTER", name="Зима", value="25", priority="10")
        builder.query_one("#pb-stacking", Select).value = "exclusive"
        builder.rows = []
        await pilot.press("insert")
        await wait(pilot)
        app.screen.query_one("#form-product", Input).value = shop.codes["D-1"]
        await pilot.press("f2")
        await wait(pilot)
        fill(builder, hours="12-10")
        await pilot.press("f2")
        await wait(pilot)
        assert "The hours end at 10:00 before they start at 12:00" in builder.message
        fill(builder, hours="", weekdays="fri-mon")
        await pilot.press("f2")
        await wait(pilot)
        assert "fri-mon goes backwards" in builder.message
        fill(builder, weekdays="")
        await pilot.press("f2")
        await wait(pilot)
        assert builder.message == (
            "WINTER (Зима) and XMAS (Новорічна −20%) are both exclusive with priority 10 and "
            "can apply to the same line at the same time, for example D-1 Сукня літня: give "
            "one another priority, or make their dates, days, hours, locations, customers or "
            "goods not overlap."
        )
        assert app.screen is builder
        await pilot.press("escape")  # changed: asks first
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait(pilot)
        assert isinstance(app.screen, PromotionsScreen)
    assert not Promotion.select().where(Promotion.code == "WINTER").exists()


async def test_a_fixed_price_above_the_regular_one_is_asked(settings, ui_staff, clock):
    build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promotions(pilot)
        await pilot.press("enter")  # CREAM2
        await wait(pilot)
        await pilot.press("f2")
        await wait(pilot)
        builder = app.screen
        assert isinstance(builder, PromotionBuilderScreen)
        assert builder.query_one("#pb-code", Input).disabled
        builder.query_one("#pb-reward", Select).value = "price"
        fill(builder, value="200")
        await pilot.press("f2")
        await wait(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "above the regular price of C-1 Крем для рук (189.90 ₴)" in confirm.text
        await pilot.press("escape")  # no: nothing saved, said again under the form
        await wait(pilot)
        assert "Confirm it if that is meant" in builder.message
        assert get_promotion("CREAM2").reward == "percent"
        await pilot.press("f2")
        await wait(pilot)
        await pilot.press("y")
        await wait(pilot)
        card = app.screen
        assert isinstance(card, PromotionCardScreen)
        assert any("above some regular prices: confirmed" in line for line in card.lines)
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen
    data = get_promotion("CREAM2")
    assert (data.reward, data.price, data.above_regular) == ("price", 20000, True)


async def test_copy_then_stop(settings, ui_staff, clock):
    build_promo_shop(ui_staff, clock)
    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_promotions(pilot)
        await pilot.press("f5")  # CREAM2
        await wait(pilot)
        dialog = app.screen
        assert isinstance(dialog, FormDialog)
        dialog.query_one("#form-code", Input).value = "XMAS"
        await pilot.press("f2")
        await wait(pilot)
        assert "There is a promotion 'XMAS' already" in dialog.message
        dialog.query_one("#form-code", Input).value = "CREAM2-DEC"
        await pilot.press("f2")
        await wait(pilot)
        builder = app.screen
        assert isinstance(builder, PromotionBuilderScreen)
        assert builder.data.code == "CREAM2-DEC" and not builder.data.active
        builder.query_one("#pb-active", Select).value = "yes"
        fill(builder, **{"from": "01.12.2026", "to": "31.12.2026"})
        await pilot.press("f2")
        await wait(pilot)
        assert app.screen is screen
        codes = [p.code for p in screen.items]
        assert codes.index("CREAM2-DEC") < codes.index("XMAS")  # running: before planned
        table = screen.query_one("#promotions", DataTable)
        table.move_cursor(row=codes.index("CREAM2-DEC"))
        await pilot.press("delete")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await wait(pilot)
        assert dict((p.code, p.status) for p in screen.items)["CREAM2-DEC"] == "inactive"
    copy = get_promotion("CREAM2-DEC")
    assert not copy.active and (copy.starts_on, copy.ends_on) == (
        T0.date().replace(month=12, day=1),
        T0.date().replace(month=12, day=31),
    )
    assert AuditEntry.select().where(AuditEntry.action == "promotion.deactivate").count() == 1
