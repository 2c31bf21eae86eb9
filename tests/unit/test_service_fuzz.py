"""Every public service, driven with generated bad input: the answer is always a TorgError
with a message (never a raw TypeError, OverflowError or driver error), and nothing is written.

Each example takes one call that works with good arguments, replaces one argument by a bad
value of the kind that argument is (hypothesis draws from nasty values and from generated
out-of-range numbers and broken texts), and compares the row count of every table before and
after. The register, a shift and a sold receipt are set up once per test, outside the counts.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from torgtui import approvals
from torgtui import staff as staffmod
from torgtui.approvals import Action
from torgtui.catalog import service as catalog
from torgtui.catalog import stock
from torgtui.customers import contacts
from torgtui.customers.phones import normalize_phone
from torgtui.customers.service import CardData, FamilyData, create_customer
from torgtui.errors import TorgError
from torgtui.models import ALL_MODELS, ReceiptLine
from torgtui.sales.basket import Basket, BasketLine
from torgtui.sales.checkout import Tender, commit_sale, settle
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import cash_move, open_shift

HUGE = 10**5000 - 1  # more digits than Python will print (its 4 300-digit limit)

NOT_INT = [None, "5", "1e5", 1.5, float("nan"), float("inf"), Decimal("1"), Decimal("NaN"), [1]]
BAD_INT = [*NOT_INT, True, 10**30, -(10**30), 2**63, HUGE, -HUGE]
BAD_QTY = [*BAD_INT, 0, -1000, 500]  # (500 is half of a piece good)
BAD_MONEY = [*BAD_INT, -1, 10**12, 0]
BAD_TEXT = [5, 1.5, b"bytes", ["a"], {"a": 1}, "\x00null", "bad\ud800surrogate", "x" * 100_001]
BAD_PERCENT = [*NOT_INT, True, Decimal("-5"), Decimal(0), Decimal("100.01"), Decimal("Infinity")]
BAD_DATE = [*NOT_INT, "2026-13-01", "yesterday", dt.datetime(2026, 1, 1), dt.date(1, 1, 1)]
BAD_CODE = [*BAD_TEXT, "", "   ", "4820000000001", "999999999*2100000000012", "1e5*D-1"]
BAD_PIN = [*BAD_TEXT, "", "12", "abcd"]
BAD_UUID = [*BAD_TEXT, "", "not-a-uuid", 12345]

GENERATED_INT = st.one_of(
    st.integers(min_value=10**13), st.integers(max_value=-1), st.floats(allow_nan=True)
)
GENERATED_TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("L", "N", "P", "S", "Zs")), min_size=1),
    st.binary(max_size=20),
)


def bad(values: list[Any], generated: st.SearchStrategy | None = None) -> st.SearchStrategy:
    strategy = st.sampled_from(values)
    return strategy | generated if generated is not None else strategy


def counts() -> dict[str, int]:
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def refused(call: Callable[[], object]) -> str:
    """``call`` must raise a TorgError with a message; nothing else, and never succeed."""
    try:
        call()
    except TorgError as exc:
        assert exc.message and "Traceback" not in exc.message
        return exc.message
    raise AssertionError("bad input was accepted")


FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def till(staff, shop, clock):
    """A cashier's open receipt (one dress), her open shift and a sold receipt of two creams."""
    shift = open_shift(staff["cashier"], "till-1", shop.location, 10000, clock=clock)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(f"2*{shop.cream_code}")
    sold = commit_sale(
        reg.basket,
        [Tender("card", 37980)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    reg.scan(shop.dress_code)
    line = ReceiptLine.get(ReceiptLine.receipt == sold.id)
    return reg, shift, sold, line


@FUZZ
@given(data=st.data())
def test_register_calls(till, shop, staff, data) -> None:
    reg, _shift, _sold, _line = till
    cases: dict[str, Callable[[Any], object]] = {
        "scan text": lambda v: reg.scan(v),
        "scan qty": lambda v: reg.scan(shop.dress_code, v),
        "add qty": lambda v: reg.add(shop.dress, v),
        "add product": lambda v: reg.add(v, 1000),
        "set_qty qty": lambda v: reg.set_qty(0, v),
        "set_qty line": lambda v: reg.set_qty(v, 1000),
        "remove line": lambda v: reg.remove(v),
        "discount percent": lambda v: reg.manual_discount(percent=v, line=0),
        "discount amount": lambda v: reg.manual_discount(amount=v),
        "discount line": lambda v: reg.manual_discount(percent=Decimal(5), line=v),
        "discount reason": lambda v: reg.manual_discount(percent=Decimal(5), reason=v),
        "override price": lambda v: reg.override_price(0, v),
        "override line": lambda v: reg.override_price(v, 100),
        "customer": lambda v: reg.attach_customer(v),
    }
    kinds = {
        "scan text": bad(BAD_CODE, GENERATED_TEXT),
        "scan qty": bad(BAD_QTY[1:], GENERATED_INT),  # (None is "no quantity typed")
        "add qty": bad(BAD_QTY, GENERATED_INT),
        "add product": bad([None, 5, "D-1", object()]),
        "set_qty qty": bad(BAD_QTY, GENERATED_INT),
        "set_qty line": bad(BAD_INT, GENERATED_INT),
        "remove line": bad(BAD_INT, GENERATED_INT),
        "discount percent": bad(BAD_PERCENT),
        "discount amount": bad(BAD_MONEY, GENERATED_INT),
        "discount line": bad(BAD_INT, GENERATED_INT),
        "discount reason": bad(BAD_TEXT),
        "override price": bad(BAD_MONEY[:-1], GENERATED_INT),
        "override line": bad(BAD_INT, GENERATED_INT),
        "customer": bad([5, "x", object(), True]),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    value = data.draw(kinds[name], label=name)
    lines_before = [(ln.product_id, ln.qty) for ln in reg.basket.lines]
    before = counts()
    refused(lambda: cases[name](value))
    assert counts() == before
    assert [(ln.product_id, ln.qty) for ln in reg.basket.lines] == lines_before


@FUZZ
@given(data=st.data())
def test_checkout_and_returns(till, staff, clock, data) -> None:
    reg, shift, sold, line = till
    cashier = staff["cashier"]

    def sale(**kw: Any) -> object:
        args: dict[str, Any] = dict(
            basket=reg.basket,
            tenders=[Tender("card", 125000)],
            uuid=reg.uuid,
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        args.update(kw)
        return commit_sale(args.pop("basket"), args.pop("tenders"), **args)

    def back(**kw: Any) -> object:
        args: dict[str, Any] = dict(
            quantities={line.id: 1000},
            uuid=str(uuidlib.uuid4()),
            employee=cashier,
            shift=shift,
            cash_step=10,
            clock=clock,
        )
        args.update(kw)
        return commit_return(sold, args.pop("quantities"), **args)

    def basket_with(**line_fields: Any) -> Basket:
        good = reg.basket.lines[0]
        fields = {
            "product_id": good.product_id,
            "sku": good.sku,
            "name": good.name,
            "qty": good.qty,
            "unit_price": good.unit_price,
        }
        fields.update(line_fields)
        return Basket([BasketLine(**fields)])

    cases: dict[str, tuple[Callable[[Any], object], st.SearchStrategy]] = {
        "tender amount": (
            lambda v: sale(tenders=[Tender("card", v)]),
            bad(BAD_MONEY, GENERATED_INT),
        ),
        "tender kind": (lambda v: sale(tenders=[Tender(v, 125000)]), bad([*BAD_TEXT, "iou"])),
        "tenders": (lambda v: sale(tenders=v), bad([None, "cash", 5, [None], [1, 2]])),
        "uuid": (lambda v: sale(uuid=v), bad(BAD_UUID)),
        "line qty": (lambda v: sale(basket=basket_with(qty=v)), bad(BAD_QTY, GENERATED_INT)),
        "line product": (
            lambda v: sale(basket=basket_with(product_id=v)),
            bad([*BAD_INT, 999_999], GENERATED_INT),
        ),
        "basket": (lambda v: sale(basket=v), bad([None, [], "basket", Basket()])),
        "shift": (lambda v: sale(shift=v), bad([None, 5, "shift"])),
        "return qty": (lambda v: back(quantities={line.id: v}), bad(BAD_QTY, GENERATED_INT)),
        "return line": (
            lambda v: back(quantities={v: 1000}),
            bad([v for v in BAD_INT if not isinstance(v, list)], GENERATED_INT),
        ),
        "return quantities": (lambda v: back(quantities=v), bad([None, [], {}, "x", 5])),
        "return uuid": (lambda v: back(uuid=v), bad(BAD_UUID)),
        "return age": (lambda v: back(max_age_days=v), bad([*BAD_INT[1:], -1])),  # None: any
        "settle amount": (lambda v: settle(v, [Tender("cash", 100)], 10), bad([None, "x"])),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, strategy = cases[name]
    value = data.draw(strategy, label=name)
    before = counts()
    refused(lambda: call(value))
    assert counts() == before


@FUZZ
@given(data=st.data())
def test_back_office_calls(till, shop, staff, clock, data) -> None:
    _reg, shift, _sold, _line = till
    owner, manager, cashier = staff["owner"], staff["manager"], staff["cashier"]

    def card(**kw: Any) -> CardData:
        fields: dict[str, Any] = {"name": "Оля", "phones": ["0671234567"]}
        fields.update(kw)
        return CardData(**fields)

    cases: dict[str, tuple[Callable[[Any], object], st.SearchStrategy]] = {
        "phone": (normalize_phone, bad([*BAD_TEXT, 380671234567, "067", "+380"])),
        "card name": (
            lambda v: create_customer(card(name=v), by=cashier, clock=clock),
            bad([*BAD_TEXT, "", "   ", "x" * 201]),
        ),
        "card phones": (
            lambda v: create_customer(card(phones=v), by=cashier, clock=clock),
            bad([None, "0671234567", [380671234567], ["067"], ["\x00"], ["0671234567"] * 11]),
        ),
        "card birth date": (
            lambda v: create_customer(card(birth_date=v), by=cashier, clock=clock),
            bad([*BAD_DATE[1:], dt.date(2099, 1, 1)]),  # (None is "not known")
        ),
        "card email": (
            lambda v: create_customer(card(email=v), by=cashier, clock=clock),
            bad([*BAD_TEXT, "not-an-email", "a@b"]),
        ),
        "card number": (
            lambda v: create_customer(card(card=v), by=cashier, clock=clock),
            bad([*BAD_TEXT, "card with spaces", "x" * 41]),
        ),
        "card gender": (
            lambda v: create_customer(card(gender=v), by=cashier, clock=clock),
            bad([None, 5, "x", "female"]),
        ),
        "card family": (
            lambda v: create_customer(card(family=v), by=cashier, clock=clock),
            bad(
                [
                    "child",
                    [None],
                    [FamilyData("cousin", "Петро")],
                    [FamilyData("child", "")],
                    [FamilyData("child", "Петро", birth_date="2020-02-30")],
                ]
            ),
        ),
        "product sku": (
            lambda v: catalog.create_product(
                by=manager, tax_codes=("A",), sku=v, name="Блуза", price=100
            ),
            bad([*BAD_TEXT, "", "x" * 41]),
        ),
        "product price": (
            lambda v: catalog.create_product(
                by=manager, tax_codes=("A",), sku="B-1", name="Блуза", price=v
            ),
            bad([*BAD_MONEY[:-1]], GENERATED_INT),
        ),
        "barcode": (
            lambda v: catalog.add_barcode(shop.dress, v, by=manager, clock=clock),
            bad(BAD_CODE),
        ),
        "stock qty": (
            lambda v: stock.correct_stock(
                shop.dress, shop.location, v, "adjust", "count", by=manager, clock=clock
            ),
            bad([*NOT_INT, True, 0, 10**30, -(10**30), HUGE], st.integers(min_value=10**9)),
        ),
        "stock reason": (
            lambda v: stock.correct_stock(
                shop.dress, shop.location, 1000, "adjust", v, by=manager, clock=clock
            ),
            bad([*BAD_TEXT, "", "  "]),
        ),
        "float": (
            lambda v: open_shift(staff["senior_cashier"], "till-2", shop.location, v, clock=clock),
            bad(BAD_MONEY[:-1], GENERATED_INT),
        ),
        "cash out amount": (
            lambda v: cash_move(shift, cashier, "out", v, "safe", clock=clock),
            bad(BAD_MONEY, GENERATED_INT),
        ),
        "cash move kind": (
            lambda v: cash_move(shift, cashier, v, 100, "safe", clock=clock),
            bad([*BAD_TEXT, "sideways"]),
        ),
        "cash note": (
            lambda v: cash_move(shift, cashier, "in", 100, v, clock=clock),
            bad(BAD_TEXT[:-1]),
        ),
        "employee name": (
            lambda v: staffmod.create_employee(v, "cashier", "7777", by=owner, clock=clock),
            bad([*BAD_TEXT, "", "x" * 121]),
        ),
        "employee role": (
            lambda v: staffmod.create_employee("Ната", v, "7777", by=owner, clock=clock),
            bad([*BAD_TEXT, "king"]),
        ),
        "employee pin": (
            lambda v: staffmod.create_employee("Ната", "cashier", v, by=owner, clock=clock),
            bad(BAD_PIN),
        ),
        "login id": (lambda v: staffmod.login(v, "1111", clock=clock), bad(BAD_INT)),
        "login pin": (lambda v: staffmod.login(owner.id, v, clock=clock), bad(BAD_PIN)),
        "grant pin": (
            lambda v: approvals.grant(
                owner.id, v, action=Action.CANCEL_RECEIPT, scope="x", subject={}, clock=clock
            ),
            bad(BAD_PIN),
        ),
        "contact kind": (
            lambda v: contacts.log_contact(1, v, "text", by=cashier, clock=clock),
            bad([*BAD_TEXT, "telepathy"]),
        ),
        "reminder date": (
            lambda v: contacts.add_reminder(cashier, v, "text", by=cashier, clock=clock),
            bad([*BAD_DATE, dt.date(2020, 1, 1)]),
        ),
        "reminder text": (
            lambda v: contacts.add_reminder(
                cashier, dt.date(2027, 1, 1), v, by=cashier, clock=clock
            ),
            bad([*BAD_TEXT, "", "  "]),
        ),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, strategy = cases[name]
    value = data.draw(strategy, label=name)
    before = counts()
    refused(lambda: call(value))
    assert counts() == before
