"""Returns of part of a promoted receipt: a return refunds each line at what it cost on the
receipt (torgtui.sales.returns), and the promotions spread a deal's reward over the lines that
made it, so a line brought back refunds what the customer paid for it, the lines kept keep the
price they were sold at, and all the returns of a receipt add up to exactly what was paid."""

from __future__ import annotations

from decimal import Decimal

from tests.unit import promotions_shop
from tests.unit.promotions_shop import (
    card_type,
    customer,
    give_back,
    lines,
    product,
    promo,
    sell,
)
from torgtui.marketing import bonuses
from torgtui.models import Receipt

ps, shift = promotions_shop.ps, promotions_shop.shift  # fixtures


def test_bringing_back_the_dress_of_a_cheapest_free_deal(staff, ps, shift, clock) -> None:
    promo(staff, clock, "CHEAPEST", mechanic="cheapest", min_qty=3000, percent=100)
    sale = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.scarf, 1), (ps.cream, 1)])
    sold = lines(sale)
    assert sold == {
        "Сукня літня": (13643, 111357),
        "Шарф": (3274, 26726),
        "Крем для рук": (2073, 16917),
    }
    back = give_back(staff, shift, clock, sale, {"Сукня літня": 1})
    # what was paid for the dress, not its regular 1 250.00 (the free cream was partly its)
    assert back.total == 111357
    assert lines(Receipt.get_by_id(sale.id)) == sold  # the lines kept keep their price
    rest = give_back(staff, shift, clock, sale, {"Шарф": 1, "Крем для рук": 1})
    assert rest.total == 26726 + 16917
    assert back.total + rest.total == sale.total


def test_returning_the_items_of_three_for_two_one_at_a_time(staff, ps, shift, clock) -> None:
    promo(staff, clock, "3FOR2", targets=product(ps.cream), mechanic="nth", n=3, percent=100)
    sale = sell(staff, ps, shift, clock, [(ps.cream, 3)])
    assert sale.total == 37980
    first = give_back(staff, shift, clock, sale, {"Крем для рук": 1})
    second = give_back(staff, shift, clock, sale, {"Крем для рук": 1})
    third = give_back(staff, shift, clock, sale, {"Крем для рук": 1})
    # a third of 379.80 each; cumulative rounding makes the three add up exactly
    assert [first.total, second.total, third.total] == [12660, 12660, 12660]


def test_returning_a_line_that_earned_promotion_bonuses(staff, ps, shift, clock) -> None:
    card = card_type(staff, clock, "bonus", "bonus", bonus_percent=Decimal(5))
    c = customer(card.id)
    promo(
        staff, clock, "DRESS-B", targets=product(ps.dress), reward="bonus_percent", percent=10,
        customers="card",
    )  # fmt: skip
    sale = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.cream, 1)], customer_id=c.id)
    assert bonuses.balance_of(c.id) == 6250 + 12500 + 950
    back = give_back(staff, shift, clock, sale, {"Сукня літня": 1})
    assert back.total == 125000
    # what the dress earned (the card's and the promotion's) goes; the cream's stays
    assert bonuses.balance_of(c.id) == 950
