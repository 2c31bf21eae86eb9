"""The small reads the back-office screens use: a VIP customer's unpaid items (who may read
them), the card types and product groups to choose from, and what an accelerator is for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.catalog.service import group_choices
from torgtui.errors import AuthError, PermissionDenied
from torgtui.marketing import accelerators, cards, vip
from torgtui.marketing.vip_statement import debts_of
from torgtui.models import Customer, ProductGroup
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


def test_debts_of_a_vip_customer_and_who_may_read_them(staff, shop, clock) -> None:
    olga = Customer.create(name="Оля", card="2900000000018", created_at=NOW, updated_at=NOW)
    vip.set_vip(olga.id, "items", limit=500000, term_days=30, by=staff["manager"], clock=clock)
    assert debts_of(olga.id, by=staff["cashier"], at=NOW) == []
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock, fiscal=False)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(shop.dress_code)
    reg.scan(shop.cream_code)
    reg.basket.customer_id = olga.id
    commit_sale(
        reg.priced(),
        [Tender("credit", 143990)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
        fiscal=False,
    )
    items = debts_of(olga.id, by=staff["support"], at=NOW + dt.timedelta(days=31))
    assert [(i.owes, i.overdue_days) for i in items] == [(125000, 1), (18990, 1)]
    with pytest.raises(AuthError):
        debts_of(olga.id, by=None, at=NOW)  # type: ignore[arg-type]
    staff["support"].active = False  # one who left reads nothing
    with pytest.raises(PermissionDenied):
        debts_of(olga.id, by=staff["support"], at=NOW)


def test_choices_and_what_an_accelerator_is_for(staff, shop, clock) -> None:
    kids = ProductGroup.create(name="Дитячі", path="Дитячі")
    beauty = ProductGroup.create(name="Косметика", path="Косметика")
    for code, name in (("GOLD", "Золота"), ("BONUS", "Бонусна")):
        data = cards.CardTypeData(code, name, "accumulative", thresholds=[(500000, Decimal(3))])
        cards.save_card_type(data, by=staff["manager"], clock=clock)
    assert [name for _id, name in cards.card_type_names()] == ["Бонусна", "Золота"]
    assert group_choices() == [(kids.id, "Дитячі"), (beauty.id, "Косметика")]
    for data in (
        accelerators.AcceleratorData("A", "tier", "GOLD", product=shop.dress.id, threshold=500000),
        accelerators.AcceleratorData("B", "enrol", "BONUS", group=beauty.id),
    ):
        accelerators.save_accelerator(data, by=staff["manager"], clock=clock)
    found = accelerators.accelerators()
    assert accelerators.targets(found) == {"A": "D-1 Сукня літня", "B": "Косметика"}
