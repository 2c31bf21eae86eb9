"""The goods a promotion covers as its card shows them: each product with its stock, regular
price, the promoted unit's price by the engine's rounding, cost and margin -- for every
mechanic and reward, with exact kopecks; the stock at one location or all; a large catalog
limited and counted; refusals in words."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.unit import promotions_shop
from tests.unit.promotions_shop import product, promo
from torgtui.catalog.stock import post_movement
from torgtui.errors import ValidationError
from torgtui.marketing.promotions import PromotionData, Target
from torgtui.marketing.promotions.goods import BOUGHT, REWARDED, WEIGHED, covered_goods
from torgtui.models import Location, Product

ps = promotions_shop.ps  # fixture


def cells(goods) -> list[tuple]:
    return [(r.sku, r.stock, r.price, r.promoted, r.cost, r.margin, r.role) for r in goods.rows]


def test_percent_off_a_group_with_its_subgroups_and_stock(staff, ps, clock) -> None:
    loc = ps.location_id
    post_movement(ps.dress, loc, 5000, "inbound", clock=clock, system=True)
    post_movement(ps.dress, loc, -2000, "adjust", clock=clock, system=True)
    post_movement(ps.socks, loc, 12500, "inbound", clock=clock, system=True)
    promo(staff, clock, "CLOTHES15", targets=(Target(group_id=ps.clothes.id),), percent=15)
    goods = covered_goods("CLOTHES15", location_id=loc)
    assert goods.total_count == 3 and not goods.truncated
    assert goods.unit == "each unit"
    assert cells(goods) == [
        ("D-1", 3000, 125000, 106250, 60000, 46250, REWARDED),
        ("K-1", 12500, 5000, 4250, 2000, 2250, REWARDED),
        ("S-1", 0, 30000, 25500, 12000, 13500, REWARDED),
    ]
    assert goods.below_cost == 0


def test_the_second_unit_at_half_price_and_a_price_below_cost(staff, ps, clock) -> None:
    promo(
        staff, clock, "CREAM2", targets=product(ps.cream), mechanic="nth", n=2, of="product",
        percent=50,
    )  # fmt: skip
    goods = covered_goods("CREAM2")
    assert goods.unit == "on the 2nd unit of the same product"
    assert cells(goods) == [("C-1", 0, 18990, 9495, 9000, 495, REWARDED)]
    promo(staff, clock, "CREAM80", targets=product(ps.cream), reward="price", price=8000)
    row = covered_goods("CREAM80").rows[0]
    assert (row.promoted, row.margin, row.below_cost, row.discount) == (8000, -1000, True, 10990)
    assert covered_goods("CREAM80").below_cost == 1


def test_three_for_two_cheapest_and_a_cap(staff, ps, clock) -> None:
    promo(
        staff, clock, "3FOR2", targets=product(ps.scarf), mechanic="buy_get", buy=2, get=1,
        percent=100,
    )  # fmt: skip
    goods = covered_goods("3FOR2")
    assert goods.unit == "on the 3rd unit (buy 2, get 1)"
    assert cells(goods) == [("S-1", 0, 30000, 0, 12000, -12000, REWARDED)]
    promo(
        staff, clock, "CHEAP", targets=(Target(group_id=ps.clothes.id),), mechanic="cheapest",
        percent=30, min_qty=3000,
    )  # fmt: skip
    goods = covered_goods("CHEAP")
    assert goods.unit == "on the cheapest unit of the basket"
    assert [r.promoted for r in goods.rows] == [87500, 3500, 21000]
    assert goods.notes == ["When its conditions are met."]
    promo(staff, clock, "CAPPED", targets=product(ps.dress), percent=50, cap=5000)
    assert cells(covered_goods("CAPPED")) == [("D-1", 0, 125000, 120000, 60000, 60000, REWARDED)]


def test_buy_a_dress_get_a_cream_free(staff, ps, clock) -> None:
    promo(
        staff, clock, "DRESS+CREAM", targets=product(ps.dress), mechanic="buy_get", buy=1,
        get=1, get_targets=product(ps.cream), percent=100,
    )  # fmt: skip
    goods = covered_goods("DRESS+CREAM")
    assert goods.unit == "on a unit given, after 1 bought"
    assert cells(goods) == [
        ("C-1", 0, 18990, 0, 9000, -9000, REWARDED),
        ("D-1", 0, 125000, 125000, 60000, 65000, BOUGHT),
    ]
    assert "Goods bought keep their price: the discount is on the goods given." in goods.notes


def test_weighed_goods_bonuses_and_an_amount_once_on_the_total(staff, ps, clock) -> None:
    promo(
        staff, clock, "NTH3", targets=(Target(group_id=ps.cosmetics.id),), mechanic="nth", n=3,
        percent=100,
    )  # fmt: skip
    goods = covered_goods("NTH3")
    assert goods.unit == "on every 3rd unit of its goods"
    assert cells(goods) == [
        ("00042", 0, 32000, 32000, 15000, 17000, WEIGHED),
        ("C-1", 0, 18990, 0, 9000, -9000, REWARDED),
    ]
    promo(staff, clock, "SOAP", targets=product(ps.soap), percent=Decimal("12.5"))
    assert cells(covered_goods("SOAP")) == [("00042", 0, 32000, 28000, 15000, 13000, REWARDED)]
    promo(
        staff, clock, "BONUS", targets=product(ps.dress), reward="bonus_percent", percent=10,
        customers="card",
    )  # fmt: skip
    (row,) = covered_goods("BONUS").rows
    assert (row.promoted, row.bonus, row.margin) == (125000, 12500, 65000)
    promo(staff, clock, "OFF100", targets=product(ps.cream), reward="amount", amount=10000,
          on="receipt")  # fmt: skip
    goods = covered_goods("OFF100")
    assert goods.unit == "one unit bought alone (the reward is once on the total)"
    assert [r.promoted for r in goods.rows] == [8990]


def test_the_promotion_being_edited_and_stock_at_each_location(staff, ps, clock) -> None:
    other = Location.create(code="SHOP2", name="Друга")
    post_movement(ps.cream, ps.location_id, 4000, "inbound", clock=clock, system=True)
    post_movement(ps.cream, other.id, 1500, "inbound", clock=clock, system=True)
    data = PromotionData(
        "DRAFT", "Not saved", targets=(Target(manufacturer_id=ps.flora.id),),
        reward="amount", amount=1000,
    )  # fmt: skip
    assert cells(covered_goods(data, location_id=other.id)) == [
        ("C-1", 1500, 18990, 17990, 9000, 8990, REWARDED)
    ]
    assert covered_goods(data).rows[0].stock == 5500  # every location


def test_a_large_catalog_is_limited_and_counted(staff, ps, clock, db) -> None:
    now = clock()
    rows = [
        {"sku": f"Z-{i:05d}", "name": f"Товар {i}", "price": 1000 + i, "cost": 500,
         "created_at": now, "updated_at": now, "group": ps.socks_group.id}
        for i in range(6000)
    ]  # fmt: skip
    with db.atomic():
        for start in range(0, len(rows), 500):
            Product.insert_many(rows[start : start + 500]).execute()
    promo(staff, clock, "ALL10", targets=(Target(group_id=ps.clothes.id),), percent=10)
    started = time.perf_counter()
    goods = covered_goods("ALL10", location_id=ps.location_id, limit=500)
    took = time.perf_counter() - started
    assert goods.total_count == 6003 and len(goods.rows) == 500 and goods.truncated
    assert goods.rows[0].sku == "D-1" and goods.rows[-1].sku == "Z-00496"
    # 10% of 14.96 is 1.496 -> 1.50 off (half up, on the unit)
    assert (goods.rows[-1].price, goods.rows[-1].promoted) == (1496, 1346)
    assert took < 2.0  # a few queries, not one per product


def test_refusals_in_words(staff, ps, clock) -> None:
    promo(staff, clock, "P", targets=product(ps.dress), percent=10)
    with pytest.raises(ValidationError, match="There is no promotion"):
        covered_goods("NOPE")
    with pytest.raises(ValidationError):
        covered_goods("P", limit=0)
    with pytest.raises(ValidationError):
        covered_goods("P", location_id="MAIN")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="promotion's id"):
        covered_goods(42)  # type: ignore[arg-type]
