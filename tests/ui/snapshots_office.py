"""The back-office screens for ``tests/ui/snapshots.py``: the VIP balances, the loyalty rules
and the role settings, at 80x24, over a shop of their own (its own database file beside the
register's), so what the register's shots show never changes theirs, nor theirs the
register's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

T0 = dt.datetime(2026, 11, 22, 10, 0)
STAFF = (
    ("Олена Власниця", "owner", "1111"),
    ("Марія Менеджерка", "manager", "2222"),
    ("Катерина Касирка", "cashier", "3333"),
)


def build_office(path: str) -> None:
    """Staff, two products, VIP customers (one overdue on credit, one item by item, one on a
    goods-and-cash account) made through the register, two card types and an accelerator."""
    from torgtui import db
    from torgtui import staff as st
    from torgtui.clock import FixedClock
    from torgtui.marketing import accelerators, cards
    from torgtui.models import Product, ProductGroup

    from .vip_shop import build_vip_shop

    clock = FixedClock(T0)
    db.open_and_upgrade(path, create=True)
    staff = {
        role: st.create_employee(name, st.Role(role), pin, by=None, system=True, clock=clock)
        for name, role, pin in STAFF
    }
    build_vip_shop(staff, clock)
    group = ProductGroup.create(name="Косметика", path="Косметика")
    Product.update(group=group.id).where(Product.sku == "C-1").execute()
    gold = cards.CardTypeData(
        "GOLD",
        "Накопичувальна",
        "accumulative",
        thresholds=[(500000, Decimal(3)), (1500000, Decimal(5)), (3000000, Decimal(7))],
    )
    bonus = cards.CardTypeData(
        "BONUS",
        "Бонусна",
        "bonus",
        bonus_percent=Decimal(5),
        bonus_expiry_days=180,
        group_rates=[(group.id, Decimal(8))],
    )
    for data in (gold, bonus):
        cards.save_card_type(data, by=None, clock=clock, system=True)
    accelerators.save_accelerator(
        accelerators.AcceleratorData(
            "CREAM-GOLD", "tier", "GOLD", group=group.id, threshold=1500000
        ),
        by=None,
        clock=clock,
        system=True,
    )
    db.database.close()


async def capture_office(
    settings: Any, shot: Callable[[Any, str], None], helpers: dict[str, Any]
) -> None:
    """Every back-office screen of the VIP and loyalty issue, in its own shop."""
    from torgtui.app import TorgApp
    from torgtui.clock import FixedClock

    settle, log_in, index_of = helpers["settle"], helpers["log_in"], helpers["index_of"]
    path = str(Path(settings.database.url).with_name("office.sqlite"))
    build_office(path)
    settings.database.url = path
    clock = FixedClock(T0)

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, index_of(app, "Олена"), "1111")
        await pilot.press("3")
        await settle(pilot)
        await settle(pilot)
        shot(app, "vip")
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        shot(app, "vip_statement")
        await pilot.press("f7")
        await settle(pilot)
        shot(app, "vip_terms")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        app.screen.query_one("#form-path").value = "/home/shop/vip-2900000000018.pdf"
        await settle(pilot)
        shot(app, "vip_export")
        await pilot.press("escape", "escape", "escape")
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        shot(app, "loyalty")
        await pilot.press("1")
        await settle(pilot)
        shot(app, "card_types")
        await pilot.press("enter")
        await settle(pilot)
        shot(app, "card_type")
        await pilot.press("escape", "escape", "2")
        await settle(pilot)
        shot(app, "accelerators")
        await pilot.press("escape", "3")
        await settle(pilot)
        shot(app, "loyalty_policy")
        await pilot.press("escape", "5")
        await settle(pilot)
        shot(app, "mass_write_off")
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("9")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        shot(app, "roles")
        # the areas of issue 12: certificates, partners, stock documents, invoices
        from torgtui.screens.home import HomeScreen

        for key, name in (
            ("5", "certificates"),
            ("6", "partners"),
            ("s", "stock_documents"),
            ("i", "invoices"),
        ):
            for _back in range(4):
                if isinstance(app.screen, HomeScreen):
                    break
                await pilot.press("escape")
                await settle(pilot)
            await pilot.press(key)
            await settle(pilot)
            await settle(pilot)
            shot(app, name)

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, index_of(app, "Катерина"), "3333")
        await pilot.press("3")
        await settle(pilot)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await settle(pilot)
        await pilot.press("space", "f4")
        await settle(pilot)
        shot(app, "vip_payment")
