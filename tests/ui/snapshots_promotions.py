"""The promotions screens for ``tests/ui/snapshots.py`` (issue 9): the list, a running
promotion's card with its result and goods, the builder of a new one, its forecast and cost
documents, the code batches and a batch's codes, the sets and a set, the pre-orders and a
pre-order, and the register with a promotion and a promo code on the receipt (the promotions
line) and why a promoted line costs what it does (F11), at 80x24, over a shop of their own
(tests/ui/promo_shop.py with a few past receipts sold through the real register).

Every date is fixed (FixedClock at :data:`T0`, the receipts on fixed past days) and the batch's
random codes are replaced by fixed ones, so the text is the same on every run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

T0 = dt.datetime(2026, 11, 22, 10, 0)  # a Sunday: the happy hours (Mon-Fri) are not on
STAFF = (
    ("Олена Власниця", "owner", "1111"),
    ("Марія Менеджерка", "manager", "2222"),
    ("Катерина Касирка", "cashier", "3333"),
    ("Сергій Старший", "senior_cashier", "4444"),
)
# the flyer batch's five codes (generated at random: fixed here for the goldens)
FLYER_CODES = ("H7KQ2M4XP2", "H7KQ2M4XP3", "H7KQ2M4XP4", "H7KQ2M4XP5", "H7KQ2M4XP6")


def _sell(staff: dict[str, Any], shop: Any, clock: Any, shift: Any, at: dt.datetime,
          entries: list[Any], customer: Any = None) -> None:  # fmt: skip
    """One sale through the real register at ``at`` (products by units, or a promo code)."""
    from torgtui.models import Customer
    from torgtui.sales.checkout import Tender, commit_sale
    from torgtui.sales.register import Register

    now, clock.now = clock.now, at
    try:
        seller = staff["senior_cashier"]
        reg = Register(seller, register="till-9", clock=clock, location_id=shop.location.id)
        if customer is not None:
            reg.attach_customer(Customer.get_by_id(customer.id))
        for entry in entries:
            if isinstance(entry, str):
                reg.enter(entry)
            else:
                product, units = entry
                reg.add(product, units * 1000)
        total = reg.priced().total
        commit_sale(
            reg.basket,
            [Tender("card", total)],
            uuid=reg.uuid,
            employee=seller,
            shift=shift,
            cash_step=10,
            clock=clock,
            fiscal=False,
        )
        reg.forget()
    finally:
        clock.now = now


def build_promotions_shop(path: str) -> dict[str, Any]:
    """The promotions shop, six past receipts (creams before and during the 2nd-cream-at-half
    promotion, scarves in the happy hours, a dress with creams and a flyer's code: the dress
    and a cream as a set), the gift set stopped, three cost documents
    of the cream promotion (one reversed), a prepayment on the pre-order and an open shift on
    till-1 for the register's shots."""
    from torgtui import db
    from torgtui import staff as st
    from torgtui.clock import FixedClock
    from torgtui.marketing import bundles, costs, preorders
    from torgtui.models.codes import PromoCode
    from torgtui.sales.shifts import open_shift

    from .promo_shop import build_promo_shop

    clock = FixedClock(T0)
    db.open_and_upgrade(path, create=True)
    staff = {
        role: st.create_employee(name, st.Role(role), pin, by=None, system=True, clock=clock)
        for name, role, pin in STAFF
    }
    shop = build_promo_shop(staff, clock)
    for row, code in zip(PromoCode.select().order_by(PromoCode.id), FLYER_CODES, strict=True):
        PromoCode.update(code=code).where(PromoCode.id == row.id).execute()
    # two creams would make the gift set (sets are priced before promotions): stopped, so the
    # second cream at half price is what the creams' receipts show
    bundles.deactivate_bundle("GIFT", by=staff["manager"], clock=clock)
    clock.now = dt.datetime(2026, 10, 1, 9, 0)
    history = open_shift(staff["senior_cashier"], "till-9", shop.location, 0, clock=clock,
                         fiscal=False)  # fmt: skip
    clock.now = T0
    day = dt.datetime
    cream, dress, scarf, customer = shop.cream, shop.dress, shop.scarf, shop.customer
    for at, entries, who in (
        (day(2026, 11, 3, 15), [(cream, 1)], None),
        (day(2026, 11, 6, 12), [(cream, 1)], customer),
        (day(2026, 11, 10, 11), [(scarf, 2)], customer),  # a Tuesday's happy hours
        (day(2026, 11, 14, 16), [(cream, 2)], None),
        (day(2026, 11, 18, 12, 30), [(dress, 1), FLYER_CODES[0], (cream, 3)], customer),
        (day(2026, 11, 20, 17), [(cream, 2)], None),
    ):
        _sell(staff, shop, clock, history, at, entries, who)
    manager = staff["manager"]
    costs.recalculate_costs("CREAM2", by=manager, per_unit=500, note="Лист Флори", clock=clock)
    costs.reverse_cost_document(1, by=manager, note="Помилка в сумі", clock=clock)
    costs.recalculate_costs(
        "CREAM2",
        by=manager,
        percent=Decimal(10),
        first_day=dt.date(2026, 11, 12),
        last_day=dt.date(2026, 11, 22),
        note="Лист Флори №2",
        clock=clock,
    )
    till = open_shift(staff["cashier"], "till-1", shop.location, 50000, clock=clock, fiscal=False)
    preorders.take_prepayment(
        shop.preorder_id,
        10000,
        "card",
        uuid=str(uuid.UUID(int=2)),
        by=staff["cashier"],
        shift=till,
        clock=clock,
        fiscal=False,
    )
    db.database.close()
    return {"codes": shop.codes}


async def capture_promotions(
    settings: Any, shot: Callable[[Any, str], None], helpers: dict[str, Any]
) -> None:
    """Every screen of the promotions issue, in its own shop."""
    from torgtui.app import TorgApp
    from torgtui.clock import FixedClock

    settle, log_in, index_of = helpers["settle"], helpers["log_in"], helpers["index_of"]

    async def press(pilot: Any, *keys: str) -> None:
        await pilot.press(*keys)
        for _round in range(3):
            await settle(pilot)

    path = str(Path(settings.database.url).with_name("promotions.sqlite"))
    shop = build_promotions_shop(path)
    settings.database.url = path
    clock = FixedClock(T0)

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, index_of(app, "Марія"), "2222")
        await press(pilot, "4", "6")
        shot(app, "promotions")
        await press(pilot, "insert")
        shot(app, "promotion_builder")
        await press(pilot, "escape")
        await press(pilot, "enter")  # the first: CREAM2, running
        shot(app, "promotion_card")
        await press(pilot, "f7")
        shot(app, "promotion_forecast")
        await press(pilot, "escape")
        await press(pilot, "f8")
        shot(app, "promotion_costs")
        await press(pilot, "escape", "escape", "escape")
        await press(pilot, "7")
        shot(app, "code_batches")
        await press(pilot, "enter")
        shot(app, "code_batch")
        await press(pilot, "escape", "escape")
        await press(pilot, "8")
        shot(app, "bundles")
        await press(pilot, "enter")
        shot(app, "bundle")
        await press(pilot, "escape", "escape")
        await press(pilot, "9")
        shot(app, "preorders")
        await press(pilot, "enter")
        shot(app, "preorder")

    app = TorgApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot, index_of(app, "Катерина"), "3333")
        await press(pilot, "1")
        codes = shop["codes"]
        # three scarves, the flyer's code (100.00 off from 1 000.00) and a cream: the code
        # shows on the promotions line, with what a second cream would get
        for code in ("3*" + codes["S-1"], FLYER_CODES[1], codes["C-1"]):
            await press(pilot, *code, "enter")
        shot(app, "sale_promotions")
        await press(pilot, "f11")
        shot(app, "why_price_promotion")
