"""The pricing pipeline: base price, manual line and receipt discounts, exact splitting."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from torgtui.errors import ValidationError
from torgtui.sales.basket import Adjustment, Basket, BasketLine, ManualDiscount
from torgtui.sales.pricing import PIPELINE, PricingContext, price, split_proportionally

AT = dt.datetime(2026, 11, 22, 12, 0)


def line(pid: int, price_k: int, qty: int = 1000, **kw) -> BasketLine:
    return BasketLine(
        product_id=pid, sku=f"S{pid}", name=f"P{pid}", qty=qty, unit_price=price_k, **kw
    )


def test_split_is_exact() -> None:
    assert split_proportionally(100, [1, 1, 1]) == [34, 33, 33]
    assert split_proportionally(1000, [3000, 2000, 5000]) == [300, 200, 500]
    assert split_proportionally(7, [0, 0]) == [0, 0]
    for amount in (1, 99, 1001, 12345):
        parts = split_proportionally(amount, [1999, 2999, 17, 45000])
        assert sum(parts) == amount and min(parts) >= 0


def test_base_price_and_weighed_rounding() -> None:
    basket = Basket([line(1, 12999, 1250, weighed=True, unit="kg"), line(2, 5000, 3000)])
    price(basket, PricingContext(at=AT))
    assert [ln.subtotal for ln in basket.lines] == [16249, 15000]
    assert basket.total == 31249 and basket.discount == 0


def test_pricing_starts_over() -> None:
    basket = Basket([line(1, 10000)])
    basket.lines[0].adjustments.append(Adjustment("stale", "left from before", 500))
    price(basket, PricingContext(at=AT))
    assert basket.lines[0].adjustments == []


def test_manual_line_and_receipt_discounts() -> None:
    basket = Basket([line(1, 10000), line(2, 5000, 2000), line(3, 333)])
    basket.manual_discounts = [
        ManualDiscount(employee_id=7, percent=Decimal(10), line=0),
        ManualDiscount(employee_id=7, amount=1000, reason="Damaged box"),
    ]
    price(basket, PricingContext(at=AT))
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
    price(basket, PricingContext(at=AT))
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
    price(basket, PricingContext(at=AT), steps)
    assert basket.total == 4000


def test_negative_line_refused() -> None:
    def overcharge(basket: Basket, ctx: PricingContext) -> None:
        basket.lines[0].adjustments.append(Adjustment("bad", "bad", 10**6))

    with pytest.raises(ValidationError, match="less than nothing"):
        price(Basket([line(1, 100)]), PricingContext(at=AT), [*PIPELINE, ("bad", overcharge)])
