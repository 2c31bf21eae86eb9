"""The register's own pricing steps: base price from the catalog, overrides, manual line and
receipt discounts, the below-cost guard, exact splitting. Pure: the catalog is handed in and
only the register's steps run (the features' steps are tested with the features)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.errors import ValidationError
from torgtui.sales.basket import Adjustment, Basket, BasketLine, ManualDiscount, PriceOverride
from torgtui.sales.pricing import (
    PIPELINE,
    CatalogItem,
    PricingContext,
    price,
    split_proportionally,
)

AT = dt.datetime(2026, 11, 22, 12, 0)


def line(pid: int, price_k: int, qty: int = 1000, **kw) -> BasketLine:
    return BasketLine(
        product_id=pid, sku=f"S{pid}", name=f"P{pid}", qty=qty, unit_price=price_k, **kw
    )


def ctx(basket: Basket, *, cost: dict[int, int] | None = None, **kw) -> PricingContext:
    """A context whose catalog holds each line's product at the line's price."""
    catalog = {
        ln.product_id: CatalogItem(
            ln.product_id,
            ln.sku,
            ln.name,
            ln.unit_price,
            (cost or {}).get(ln.product_id, 0),
            ln.unit,
            ln.weighed,
            "A",
            True,
        )
        for ln in basket.lines
    }
    return PricingContext(at=AT, catalog=catalog, **kw)


def test_split_is_exact() -> None:
    assert split_proportionally(100, [1, 1, 1]) == [34, 33, 33]
    assert split_proportionally(1000, [3000, 2000, 5000]) == [300, 200, 500]
    assert split_proportionally(7, [0, 0]) == [0, 0]
    for amount in (1, 99, 1001, 12345):
        parts = split_proportionally(amount, [1999, 2999, 17, 45000])
        assert sum(parts) == amount and min(parts) >= 0


def test_base_price_and_weighed_rounding() -> None:
    basket = Basket([line(1, 12999, 1250, weighed=True, unit="kg"), line(2, 5000, 3000)])
    price(basket, ctx(basket), PIPELINE)
    assert [ln.subtotal for ln in basket.lines] == [16249, 15000]
    assert basket.total == 31249 and basket.discount == 0


def test_pricing_starts_over() -> None:
    basket = Basket([line(1, 10000)])
    basket.lines[0].adjustments.append(Adjustment("stale", "left from before", 500))
    price(basket, ctx(basket), PIPELINE)
    assert basket.lines[0].adjustments == []


def test_manual_line_and_receipt_discounts() -> None:
    basket = Basket([line(1, 10000), line(2, 5000, 2000), line(3, 333)])
    basket.manual_discounts = [
        ManualDiscount(employee_id=7, percent=Decimal(10), line=0),
        ManualDiscount(employee_id=7, amount=1000, reason="Damaged box"),
    ]
    price(basket, ctx(basket), PIPELINE)
    first = basket.lines[0].adjustments
    assert first[0] == Adjustment("manual", "Manual discount 10%", 1000, employee_id=7)
    receipt_shares = [
        a.amount for ln in basket.lines for a in ln.adjustments if a.rule == "receipt"
    ]
    assert sum(receipt_shares) == 1000
    assert basket.subtotal == 20333 and basket.discount == 2000 and basket.total == 18333
    assert all(
        a.reason == "Damaged box"
        for ln in basket.lines
        for a in ln.adjustments
        if a.rule == "receipt"
    )


def test_amount_discount_never_exceeds_the_line() -> None:
    basket = Basket([line(1, 500)])
    basket.manual_discounts = [ManualDiscount(employee_id=1, amount=900, line=0)]
    price(basket, ctx(basket), PIPELINE)
    assert basket.total == 0


def test_a_step_is_a_small_local_change() -> None:
    """Adding a step is inserting one function into the list."""

    def every_third_free(basket: Basket, ctx: PricingContext) -> None:
        for ln in basket.lines:
            free = ln.qty // 3000
            if free:
                ln.adjustments.append(Adjustment("promo", "3 for 2", free * ln.unit_price, "P1"))

    steps = [*PIPELINE[:1], ("promo", every_third_free), *PIPELINE[1:]]
    basket = Basket([line(1, 1000, 6000)])
    price(basket, ctx(basket), steps)
    assert basket.total == 4000


def test_negative_line_refused() -> None:
    def overcharge(basket: Basket, ctx: PricingContext) -> None:
        basket.lines[0].adjustments.append(Adjustment("bad", "bad", 10**6))

    basket = Basket([line(1, 100)])
    with pytest.raises(ValidationError, match="less than nothing"):
        price(basket, ctx(basket), [*PIPELINE, ("bad", overcharge)])


def test_the_catalog_sets_the_price_not_the_caller() -> None:
    """A line that arrives with a hand-set unit price is priced from the catalog."""
    basket = Basket([line(1, 205390)])
    context = ctx(basket)
    basket.lines[0].unit_price, basket.lines[0].name = 1, "anything"
    price(basket, context, PIPELINE)
    assert (basket.lines[0].unit_price, basket.lines[0].name, basket.total) == (
        205390,
        "P1",
        205390,
    )


def test_unknown_product_is_refused() -> None:
    basket = Basket([line(1, 100)])
    with pytest.raises(ValidationError, match="no such product"):
        price(basket, PricingContext(at=AT, catalog={}), PIPELINE)


def test_price_override_is_an_adjustment_with_its_reason() -> None:
    basket = Basket([line(1, 10000, 2000)])
    basket.overrides = [PriceOverride(0, 1, 8000, employee_id=2, reason="Display model")]
    price(basket, ctx(basket), PIPELINE)
    assert basket.lines[0].unit_price == 10000
    assert basket.lines[0].adjustments == [
        Adjustment("override", "Display model", 4000, rule="price", employee_id=2)
    ]
    assert basket.total == 16000


def test_below_cost_confirm_leaves_the_price_and_says_by_how_much() -> None:
    basket = Basket([line(1, 103190), line(2, 1000)])  # cost 536.58, 50% off -> 515.95
    basket.manual_discounts = [ManualDiscount(employee_id=1, percent=Decimal(50), line=0)]
    price(basket, ctx(basket, cost={1: 53658, 2: 100}), PIPELINE)
    assert basket.lines[0].total == 51595 and basket.lines[0].below_cost == 2063
    assert basket.below_cost == 2063
    assert basket.below_cost_subject() == {"shortfall": 2063, "lines": [[1, 2063]]}


def test_below_cost_never_limits_the_discount_to_cost() -> None:
    basket = Basket([line(1, 103190)])
    basket.manual_discounts = [ManualDiscount(employee_id=1, percent=Decimal(50), line=0)]
    price(basket, ctx(basket, cost={1: 53658}, below_cost="never"), PIPELINE)
    last = basket.lines[0].adjustments[-1]
    assert (last.step, last.reason, last.amount) == (
        "cost_guard",
        "Below cost: limited to cost",
        -2063,
    )
    assert basket.total == 53658 and basket.below_cost == 0


def test_a_catalog_price_below_cost_is_not_a_discount() -> None:
    basket = Basket([line(1, 5000)])
    price(basket, ctx(basket, cost={1: 6000}, below_cost="never"), PIPELINE)
    assert basket.total == 5000 and basket.lines[0].adjustments == []
