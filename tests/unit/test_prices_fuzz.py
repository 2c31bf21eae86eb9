"""The price policy's services driven with generated bad input: always a TorgError with a
message (never a raw TypeError, OverflowError, InvalidOperation or driver error), and nothing
written (the row count of every table before and after)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torgtui.errors import TorgError
from torgtui.marketing import pricelists as pl
from torgtui.marketing import pricerules as pr
from torgtui.marketing.pricelists import PriceListData
from torgtui.marketing.pricerules import PriceTypeData, QtyBreakData
from torgtui.models import ALL_MODELS, Customer, Manufacturer, Product, ProductGroup

HUGE = 10**5000 - 1
NOT_INT = [None, "5", "1e5", 1.5, float("nan"), float("inf"), Decimal("1"), Decimal("NaN"), [1]]
BAD_INT = [*NOT_INT, True, 10**30, -(10**30), 2**63, HUGE, -HUGE]
BAD_TEXT = [5, 1.5, b"bytes", ["a"], {"a": 1}, "\x00null", "bad\ud800surrogate", "x" * 100_001]
BAD_CODE = [*BAD_TEXT, "", "   ", "a b", "x" * 41]
BAD_PERCENT = [  # ("5" is fine: check_percent reads text as a person typed it)
    None,
    "1e5",
    1.5,
    float("nan"),
    float("inf"),
    True,
    Decimal("-5"),
    Decimal(0),
    Decimal("100.01"),
    Decimal("Infinity"),
    Decimal("1.001"),
]
BAD_DECIMAL = [None, "43.5", 43.5, float("nan"), Decimal("NaN"), Decimal("-Infinity"), Decimal(0)]
BAD_DECIMAL += [Decimal(-1), Decimal("1e7"), Decimal("1e-7"), True, [1], HUGE]

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def counts() -> dict[str, int]:
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def refused(call: Callable[[], object]) -> str:
    try:
        call()
    except TorgError as exc:
        assert exc.message and "Traceback" not in exc.message
        return exc.message
    raise AssertionError("bad input was accepted")


@pytest.fixture
def policy(db, staff, clock) -> dict[str, int]:
    from datetime import datetime

    at = datetime(2026, 1, 1)
    group = ProductGroup.create(name="G", path="G")
    product = Product.create(
        sku="P", name="P", price=1000, group=group, created_at=at, updated_at=at
    )
    maker = Manufacturer.create(name="M")
    customer = Customer.create(name="C", created_at=at)
    pr.save_price_type(PriceTypeData("opt", "Опт"), by=staff["manager"], clock=clock)
    return {"product": product.id, "group": group.id, "maker": maker.id, "customer": customer.id}


@FUZZ
@given(data=st.data())
def test_price_policy_services(policy, staff, clock, data) -> None:
    m = staff["manager"]
    brk = QtyBreakData("b", 10000, product_id=policy["product"], price=900)
    plist = PriceListData("l", "L", "opt", None, "EUR", Decimal("43.5"), Decimal("0.01"))

    def with_break(**kw: Any) -> object:
        return pr.save_qty_break(replace(brk, **kw), by=m, clock=clock)

    def with_list(**kw: Any) -> object:
        return pl.save_price_list(replace(plist, **kw), by=m, clock=clock)

    cases: dict[str, tuple[Callable[[Any], object], list[Any]]] = {
        "type code": (lambda v: pr.save_price_type(PriceTypeData(v, "X"), by=m), BAD_CODE),
        "type name": (lambda v: pr.save_price_type(PriceTypeData("x", v), by=m), BAD_TEXT),
        "type price": (
            lambda v: pr.set_type_prices("opt", {policy["product"]: v}, by=m),
            [b for b in BAD_INT if b is not None] + [-1],
        ),
        "type price product": (
            lambda v: pr.set_type_prices("opt", {v: 100}, by=m),
            [b for b in BAD_INT if not isinstance(b, list)],  # a list cannot be a dict key
        ),
        "type prices": (lambda v: pr.set_type_prices("opt", v, by=m), [5, [1], [(1,)], "ab"]),
        "priority": (lambda v: pr.set_priority(v, by=m), [*BAD_TEXT, None, "cheapest"]),
        "location type": (lambda v: pr.set_location_price_type(v, "opt", by=m), BAD_INT),
        "customer type": (
            lambda v: pr.set_customer_price_type(policy["customer"], v, by=m),
            BAD_CODE,
        ),
        "break code": (lambda v: with_break(code=v), BAD_CODE),
        "break qty": (lambda v: with_break(min_qty=v), [*BAD_INT, 0, -1000]),
        "break product": (lambda v: with_break(product_id=v), [b for b in BAD_INT if b]),
        "break group": (lambda v: with_break(product_id=None, group_id=v), BAD_INT),
        "break type": (lambda v: with_break(price_type=v), [c for c in BAD_CODE if c != ""]),
        "break price": (lambda v: with_break(price=v), [b for b in BAD_INT if b] + [-1, 0]),
        "break percent": (lambda v: with_break(price=None, percent=v), BAD_PERCENT),
        "break active": (lambda v: with_break(active=v), [None, 1, "yes"]),
        "maker percent": (
            lambda v: pr.set_manufacturer_discount(policy["customer"], policy["maker"], v, by=m),
            BAD_PERCENT,
        ),
        "maker": (
            lambda v: pr.set_manufacturer_discount(policy["customer"], v, Decimal(5), by=m),
            BAD_INT,
        ),
        "list code": (lambda v: with_list(code=v), BAD_CODE),
        "list name": (lambda v: with_list(name=v), [*BAD_TEXT, ""]),
        "list currency": (lambda v: with_list(currency=v), [*BAD_TEXT, "", "EURO", "XYZ", None]),
        "list rate": (lambda v: with_list(rate=v), BAD_DECIMAL),
        "list rounding": (lambda v: with_list(rounding=v), [*BAD_DECIMAL, Decimal("0.001")]),
        "list location": (lambda v: with_list(location_id=v), [b for b in BAD_INT if b]),
        "list type": (lambda v: with_list(price_type=v), [c for c in BAD_CODE if c != ""]),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, values = cases[name]
    value = data.draw(st.sampled_from(values), label=name)
    before = counts()
    refused(lambda: call(value))
    assert counts() == before, name
