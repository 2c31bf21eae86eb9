"""The promotion mechanics at the register with exact kopecks, sold through the real Register
and commit_sale: the 2nd item at 50%, 3 for 2, the cheapest free, buy X get Y, happy hours to
the minute, a group with its subgroups, a manufacturer, a cap, a receipt total before and after
other discounts, a fixed price, goods sold by weight."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.unit import promotions_shop
from tests.unit.promotions_shop import discounts, info, lines, priced, product, promo, sell
from torgtui.marketing.promotions import Target

ps, shift = promotions_shop.ps, promotions_shop.shift  # fixtures

# --- the Nth item, 3 for 2, the cheapest, buy X get Y -----------------------------------------


def test_the_second_item_at_half_price(staff, ps, shift, clock) -> None:
    promo(
        staff,
        clock,
        "HALF-2ND",
        name="Друга за пів ціни",
        targets=product(ps.cream),
        mechanic="nth",
        n=2,
        of="product",
        percent=50,
    )
    receipt = sell(staff, ps, shift, clock, [(ps.cream, 2), (ps.dress, 1)])
    # 2 x 189.90 = 379.80; the second at -50%: 94.95 off; the dress is not in it
    assert lines(receipt) == {"Крем для рук": (9495, 28485), "Сукня літня": (0, 125000)}
    assert receipt.total == 153485
    (entry,) = info(receipt)["promotions"]
    assert entry["name"] == "Друга за пів ціни" and entry["discount"] == 9495
    # three: still one pair; four: two pairs
    assert discounts(priced(staff, ps, clock, [(ps.cream, 3)])) == {"Крем для рук": 9495}
    assert discounts(priced(staff, ps, clock, [(ps.cream, 4)])) == {"Крем для рук": 18990}


def test_the_second_item_of_a_set_is_shared_by_the_deal(staff, ps, shift, clock) -> None:
    """Of the set: the dearest first, the cheaper one is the 2nd; the 94.95 it gives is borne
    by both lines of the deal in proportion to what they cost (largest remainder)."""
    promo(staff, clock, "SET-2ND", mechanic="nth", n=2, of="set", percent=50)
    basket = priced(staff, ps, clock, [(ps.cream, 1), (ps.dress, 1)])
    # 9 495 x 125 000 / 143 990 = 8 242.76 -> 8 243; 9 495 x 18 990 / 143 990 = 1 252.24
    assert discounts(basket) == {"Крем для рук": 1252, "Сукня літня": 8243}
    reason = basket.lines[0].adjustments[0].reason
    assert reason == "SET-2ND: every 2 items: one at −50%"


def test_three_for_two(staff, ps, shift, clock) -> None:
    promo(
        staff,
        clock,
        "3FOR2",
        name="3 за ціною 2",
        targets=product(ps.cream),
        mechanic="nth",
        n=3,
        of="product",
        percent=100,
    )
    receipt = sell(staff, ps, shift, clock, [(ps.cream, 3)])
    assert lines(receipt) == {"Крем для рук": (18990, 37980)}
    assert discounts(priced(staff, ps, clock, [(ps.cream, 7)])) == {"Крем для рук": 37980}
    reason = priced(staff, ps, clock, [(ps.cream, 3)]).lines[0].adjustments[0].reason
    assert reason == "3 за ціною 2: every 3 items: one free (of the same product)"


def test_three_for_two_at_most_once(staff, ps, clock) -> None:
    promo(
        staff,
        clock,
        "3FOR2",
        targets=product(ps.cream),
        mechanic="nth",
        n=3,
        percent=100,
        max_times=1,
    )
    assert discounts(priced(staff, ps, clock, [(ps.cream, 6)])) == {"Крем для рук": 18990}


def test_buy_two_get_one_free_gives_the_cheapest_of_each_three(staff, ps, clock) -> None:
    promo(staff, clock, "B2G1", mechanic="buy_get", buy=2, get=1, percent=100)
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.scarf, 1), (ps.cream, 1)])
    # the cream (189.90) is free, shared by the three lines: 18 990 x 125 000 / 173 990 ...
    assert discounts(basket) == {"Сукня літня": 13643, "Шарф": 3274, "Крем для рук": 2073}
    assert basket.total == 173990 - 18990


def test_the_cheapest_item_free_from_three_items(staff, ps, shift, clock) -> None:
    promo(staff, clock, "CHEAPEST", name="Найдешевший безкоштовно", mechanic="cheapest",
          min_qty=3000, percent=100)  # fmt: skip
    receipt = sell(staff, ps, shift, clock, [(ps.dress, 1), (ps.scarf, 1), (ps.cream, 1)])
    assert lines(receipt) == {
        "Сукня літня": (13643, 111357),
        "Шарф": (3274, 26726),
        "Крем для рук": (2073, 16917),
    }
    assert receipt.discount == 18990
    two = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    assert two.discount == 0
    (hint,) = two.info["promotion_hints"]
    assert (
        hint["missing_qty"] == 1000 and hint["text"] == "1 more items for Найдешевший безкоштовно"
    )


def test_buy_a_dress_get_a_cream_at_half_price(staff, ps, clock) -> None:
    promo(
        staff,
        clock,
        "DRESS+CREAM",
        targets=product(ps.dress),
        mechanic="buy_get",
        buy=1,
        get=1,
        get_targets=product(ps.cream),
        percent=50,
    )
    one = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    assert discounts(one) == {"Сукня літня": 8243, "Крем для рук": 1252}
    # a second cream is not given: one dress bought, one cream at half price
    two = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 2)])
    assert discounts(two) == {"Сукня літня": 8243, "Крем для рук": 1252}
    assert priced(staff, ps, clock, [(ps.cream, 2)]).discount == 0


# --- when: happy hours, to the minute --------------------------------------------------------


def test_happy_hours_monday_to_friday_ten_to_twelve(staff, ps, clock) -> None:
    promo(
        staff,
        clock,
        "HAPPY",
        name="Щасливі години",
        targets=product(ps.dress),
        weekdays=(0, 1, 2, 3, 4),
        hours=(600, 720),
        percent=10,
    )
    monday = dt.datetime(2026, 11, 23)
    seen = {}
    for at in ("09:59", "10:00", "11:59", "12:00"):
        clock.now = monday.replace(hour=int(at[:2]), minute=int(at[3:]))
        seen[at] = priced(staff, ps, clock, [(ps.dress, 1)]).discount
    assert seen == {"09:59": 0, "10:00": 12500, "11:59": 12500, "12:00": 0}
    clock.now = dt.datetime(2026, 11, 28, 10, 30)  # a Saturday
    assert priced(staff, ps, clock, [(ps.dress, 1)]).discount == 0


def test_dates_are_inclusive(staff, ps, clock) -> None:
    promo(
        staff,
        clock,
        "NOV",
        targets=product(ps.dress),
        starts_on=dt.date(2026, 11, 22),
        ends_on=dt.date(2026, 11, 23),
        percent=10,
    )
    found = {}
    for day in (21, 22, 23, 24):
        clock.now = dt.datetime(2026, 11, day, 23, 59)
        found[day] = priced(staff, ps, clock, [(ps.dress, 1)]).discount
    assert found == {21: 0, 22: 12500, 23: 12500, 24: 0}


# --- what: groups with subgroups, exclusions, manufacturers -----------------------------------


def test_a_group_with_its_subgroups(staff, ps, clock) -> None:
    promo(staff, clock, "CLOTHES", targets=(Target(group_id=ps.clothes.id),), percent=10)
    items = [(ps.dress, 1), (ps.socks, 2), (ps.scarf, 1), (ps.cream, 1)]
    assert discounts(priced(staff, ps, clock, items)) == {
        "Сукня літня": 12500,  # Одяг/Сукні
        "Шкарпетки": 1000,  # Одяг/Шкарпетки
        "Шарф": 3000,  # Одяг itself
        "Крем для рук": 0,
    }


def test_a_group_except_a_subgroup_and_a_manufacturer(staff, ps, clock) -> None:
    promo(
        staff,
        clock,
        "CLOTHES",
        targets=(Target(group_id=ps.clothes.id), Target(group_id=ps.socks_group.id, exclude=True)),
        percent=10,
    )
    promo(staff, clock, "FLORA", targets=(Target(manufacturer_id=ps.flora.id),), percent=15)
    items = [(ps.dress, 1), (ps.socks, 2), (ps.cream, 1)]
    # the cream: 15% of 189.90 = 28.485 -> 28.49 (half up)
    assert discounts(priced(staff, ps, clock, items)) == {
        "Сукня літня": 12500,
        "Шкарпетки": 0,
        "Крем для рук": 2849,
    }


# --- how much: a cap, a fixed price, an amount, goods by weight ------------------------------


def test_a_cap_per_receipt(staff, ps, clock) -> None:
    promo(staff, clock, "TEN", percent=10, cap=10000)
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.cream, 1)])
    # 125.00 + 18.99 = 143.99 > 100.00: the cap split 12 500 : 1 899 (largest remainder)
    assert discounts(basket) == {"Сукня літня": 8681, "Крем для рук": 1319}


def test_a_fixed_price_and_an_amount_off(staff, ps, clock) -> None:
    promo(staff, clock, "DRESS999", targets=product(ps.dress), reward="price", price=99900)
    promo(staff, clock, "SCARF-50", targets=product(ps.scarf), reward="amount", amount=5000)
    basket = priced(staff, ps, clock, [(ps.dress, 2), (ps.scarf, 3)])
    assert discounts(basket) == {"Сукня літня": 50200, "Шарф": 15000}
    assert basket.lines[0].adjustments[0].reason == "DRESS999: 999.00 ₴ each"


def test_an_amount_off_the_receipt_once(staff, ps, clock) -> None:
    promo(staff, clock, "MINUS100", reward="amount", amount=10000, on="receipt")
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.scarf, 1)])
    # 100.00 split 125 000 : 30 000 -> 80.645 / 19.355
    assert discounts(basket) == {"Сукня літня": 8065, "Шарф": 1935}


def test_goods_by_weight_take_an_all_goods_promotion(staff, ps, clock) -> None:
    promo(staff, clock, "COSMETICS", targets=(Target(group_id=ps.cosmetics.id),), percent=10)
    basket = priced(staff, ps, clock, [(ps.soap, 1250, True)])
    assert (basket.subtotal, basket.discount) == (40000, 4000)  # 1.25 kg x 320.00


# --- a receipt total before and after the other discounts -------------------------------------


def _receipt_total_promotion(staff, clock, ps, basis: str) -> None:
    promo(staff, clock, "DRESS20", targets=product(ps.dress), percent=20, priority=10)
    promo(
        staff,
        clock,
        "FROM1100",
        name="Від 1100",
        percent=5,
        min_total=110000,
        total_of="receipt",
        total_basis=basis,
    )


def test_a_receipt_total_before_other_discounts(staff, ps, clock) -> None:
    _receipt_total_promotion(staff, clock, ps, "before")
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    # 1 250.00 at regular prices reaches 1 100.00; 5% of what the dress costs now (1 000.00)
    assert discounts(basket) == {"Сукня літня": 25000 + 5000}


def test_a_receipt_total_after_other_discounts(staff, ps, clock) -> None:
    _receipt_total_promotion(staff, clock, ps, "after")
    basket = priced(staff, ps, clock, [(ps.dress, 1)])
    assert discounts(basket) == {"Сукня літня": 25000}  # 1 000.00 after -20%: not reached
    (hint,) = basket.info["promotion_hints"]
    assert hint["missing_total"] == 10000 and hint["text"] == "100.00 ₴ more for Від 1100"


def test_a_maximum_total(staff, ps, clock) -> None:
    promo(staff, clock, "SMALL", percent=5, max_total=50000)
    assert priced(staff, ps, clock, [(ps.scarf, 1)]).discount == 1500
    assert priced(staff, ps, clock, [(ps.dress, 1)]).discount == 0


def test_the_rules_version_makes_a_change_seen_at_once(staff, ps, clock) -> None:
    assert priced(staff, ps, clock, [(ps.dress, 1)]).discount == 0
    promo(staff, clock, "NOW", targets=product(ps.dress), percent=Decimal("7.5"))
    assert priced(staff, ps, clock, [(ps.dress, 1)]).discount == 9375


def test_buy_two_clothes_get_socks_free_when_socks_are_clothes_too(staff, ps, clock) -> None:
    """Goods that can be bought and given: one pair of socks is given, the other counts as
    bought with the dress; the 50.00 is shared by the dress and both pairs."""
    promo(
        staff,
        clock,
        "SOCKS",
        targets=(Target(group_id=ps.clothes.id),),
        mechanic="buy_get",
        buy=2,
        get=1,
        get_targets=product(ps.socks),
        percent=100,
    )
    basket = priced(staff, ps, clock, [(ps.dress, 1), (ps.socks, 2)])
    # 5 000 x 125 000 / 135 000 = 4 629.63 -> 4 630; 5 000 x 10 000 / 135 000 = 370.37 -> 370
    assert discounts(basket) == {"Сукня літня": 4630, "Шкарпетки": 370}
    assert priced(staff, ps, clock, [(ps.socks, 2)]).discount == 0  # two bought, none to give


def test_a_maximum_quantity_and_a_stopped_promotion(staff, ps, clock) -> None:
    from torgtui.marketing.promotions import deactivate_promotion

    promo(staff, clock, "FEW", targets=product(ps.cream), percent=10, max_qty=2000)
    assert priced(staff, ps, clock, [(ps.cream, 2)]).discount == 3798
    assert priced(staff, ps, clock, [(ps.cream, 3)]).discount == 0
    deactivate_promotion("FEW", by=staff["manager"], clock=clock)
    assert priced(staff, ps, clock, [(ps.cream, 2)]).discount == 0
