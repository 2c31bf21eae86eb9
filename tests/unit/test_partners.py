"""Partners with exact kopecks, on both databases: the directory and its refusals, customers
linked on the card and by a partner's promo code, commissions by product group through an
intermediary (named at the register or by the customer's link), the intermediary's discount
for resale, returns taking commissions back pro rata, rewards paid from the drawer, and the
promotion condition "customers of partner X"."""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_service_fuzz import (
    BAD_MONEY,
    FUZZ,
    GENERATED_INT,
    GENERATED_TEXT,
    bad,
    counts,
    refused,
)
from torgtui.errors import ValidationError
from torgtui.marketing import intermediaries as im
from torgtui.marketing import ledger, partners_money
from torgtui.marketing import partners as pt
from torgtui.marketing.ledger import Kind
from torgtui.models import CashMovement, Customer, FiscalJob, ProductGroup, Receipt, ReceiptLine
from torgtui.models.partners import CustomerPartner, PartnerSale, PartnerSaleLine
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import open_shift, x_report
from torgtui.staff import PermissionDenied

FLOAT = 100000


def uid() -> str:
    return str(uuidlib.uuid4())


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, FLOAT, clock=clock)


@pytest.fixture
def groups(shop):
    """Clothing/Dresses (the dress) and Cosmetics (the cream)."""
    clothing = ProductGroup.create(name="Clothing", path="Clothing")
    dresses = ProductGroup.create(name="Dresses", parent=clothing, path="Clothing/Dresses")
    cosmetics = ProductGroup.create(name="Cosmetics", path="Cosmetics")
    shop.dress.group = dresses
    shop.dress.save()
    shop.cream.group = cosmetics
    shop.cream.save()
    return {"clothing": clothing, "dresses": dresses, "cosmetics": cosmetics}


def customer(clock, name: str, card: str | None = None) -> Customer:
    return Customer.create(name=name, card=card, created_at=clock(), updated_at=clock())


def sell(staff, shop, shift, clock, codes, *, customer_id=None, total_check=None) -> Receipt:
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    if customer_id is not None:
        reg.attach_customer(Customer.get_by_id(customer_id))
    for code in codes:
        reg.enter(code)
    priced = reg.priced()
    if total_check is not None:
        assert priced.total == total_check
    receipt = commit_sale(
        reg.basket,
        [Tender("card", priced.total)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    reg.forget()
    return receipt


@pytest.fixture
def foreman(staff, clock, groups):
    """An intermediary: 7.5% on clothing, 12.35% on cosmetics."""
    p = pt.create_partner(
        staff["manager"], kind="intermediary", code="foreman-ivan", name="Іван", clock=clock
    )
    pt.set_rate(staff["manager"], p.id, "commission", "7.5", group_id=groups["clothing"].id)
    pt.set_rate(staff["manager"], p.id, "commission", "12.35", group_id=groups["cosmetics"].id)
    return p


# --- the directory ------------------------------------------------------------------------


def test_the_directory_refuses_bad_input_and_writes_nothing(staff, clock, groups) -> None:
    manager = staff["manager"]
    with pytest.raises(PermissionDenied):
        pt.create_partner(staff["cashier"], kind="referrer", code="X", name="X", clock=clock)
    with pytest.raises(ValidationError, match="referrer or an intermediary"):
        pt.create_partner(manager, kind="agent", code="X", name="X", clock=clock)
    with pytest.raises(ValidationError, match="only letters, digits"):
        pt.create_partner(manager, kind="referrer", code="A+B", name="X", clock=clock)
    with pytest.raises(ValidationError, match="name is empty"):
        pt.create_partner(manager, kind="referrer", code="AB", name="  ", clock=clock)
    stylist = pt.create_partner(manager, kind="referrer", code="olha", name="Ольга", clock=clock)
    assert stylist.code == "OLHA"
    with pytest.raises(ValidationError, match="code OLHA already"):
        pt.create_partner(manager, kind="referrer", code="Olha", name="Інша", clock=clock)
    with pytest.raises(ValidationError, match="at most 100"):
        pt.set_rate(manager, stylist.id, "commission", "100.01")
    with pytest.raises(ValidationError, match="at most 100"):
        pt.set_rate(manager, stylist.id, "commission", 150)
    with pytest.raises(ValidationError, match="is a referrer"):
        pt.set_rate(manager, stylist.id, "discount", 5)
    with pytest.raises(ValidationError, match="no partner 999"):
        pt.set_rate(manager, 999, "commission", 5)
    with pytest.raises(ValidationError, match="no product group 999"):
        pt.set_rate(manager, stylist.id, "commission", 5, group_id=999)
    with pytest.raises(ValidationError, match="no partner 999"):
        pt.add_employee(manager, 999, "Марія")
    assert pt.rates_of(stylist.id, "commission") == {}
    pt.set_rate(manager, stylist.id, "commission", "5", group_id=groups["dresses"].id)
    pt.set_rate(manager, stylist.id, "commission", "6", group_id=groups["dresses"].id)
    assert pt.rates_of(stylist.id, "commission") == {groups["dresses"].id: 600}
    pt.set_rate(manager, stylist.id, "commission", None, group_id=groups["dresses"].id)
    assert pt.rates_of(stylist.id, "commission") == {}


def test_a_customer_is_linked_on_the_card_with_the_partners_employee(staff, clock) -> None:
    manager = staff["manager"]
    salon = pt.create_partner(manager, kind="referrer", code="SALON", name="Салон", clock=clock)
    other = pt.create_partner(manager, kind="referrer", code="OTHER", name="Інший", clock=clock)
    anna = pt.add_employee(manager, salon.id, "Анна", "067 123 45 67", clock=clock)
    assert anna.phone == "+380671234567"
    olya = customer(clock, "Оля")
    with pytest.raises(ValidationError, match="has no employee"):
        pt.link_customer(manager, olya.id, other.id, anna.id, clock=clock)
    with pytest.raises(ValidationError, match="no active customer 999"):
        pt.link_customer(manager, 999, salon.id, clock=clock)
    link = pt.link_customer(staff["senior_cashier"], olya.id, salon.id, anna.id, clock=clock)
    assert (link.partner_code, link.employee_name, link.source) == ("SALON", "Анна", "card")
    pt.link_customer(manager, olya.id, other.id, clock=clock)  # moved to another partner
    assert CustomerPartner.select().count() == 1
    assert pt.partner_of(olya.id).partner_code == "OTHER"
    assert pt.unlink_customer(manager, olya.id, clock=clock)
    assert pt.partner_of(olya.id) is None


# --- intermediaries -----------------------------------------------------------------------


def test_commission_by_product_group_with_exact_kopecks(staff, shop, shift, clock, foreman) -> None:
    """Dress 1 250.00 (Clothing/Dresses: the parent's 7.5%) = 93.75; two creams 379.80 at
    12.35% = 46.905 -> 46.91 (half up). Due 140.66 on the intermediary's balance."""
    receipt = sell(
        staff,
        shop,
        shift,
        clock,
        [shop.dress_code, "2*" + shop.cream_code, "int-foreman-ivan"],
        total_check=125000 + 37980,
    )
    sale = PartnerSale.get(PartnerSale.receipt == receipt.id)
    assert (sale.role, sale.partner_id, sale.commission, sale.total) == (
        "intermediary",
        foreman.id,
        14066,
        162980,
    )
    lines = {
        r.line.product_id: (r.percent_bp, r.commission)
        for r in PartnerSaleLine.select().join(ReceiptLine)
    }
    assert lines == {shop.dress.id: (750, 9375), shop.cream.id: (1235, 4691)}
    assert im.balance_of(foreman.id) == 14066
    account = ledger.find_account(Kind.INTERMEDIARY, "partner", foreman.id)
    assert ledger.check_account(account).ok


def test_a_customer_linked_to_an_intermediary_buys_through_it(
    staff, shop, shift, clock, foreman
) -> None:
    client = customer(clock, "Клієнт")
    pt.link_customer(staff["manager"], client.id, foreman.id, clock=clock)
    sell(staff, shop, shift, clock, [shop.cream_code], customer_id=client.id)
    assert im.balance_of(foreman.id) == 2345  # 189.90 x 12.35% = 23.452 -> 23.45
    nobody = sell(staff, shop, shift, clock, [shop.cream_code])
    assert not PartnerSale.select().where(PartnerSale.receipt == nobody.id).exists()


def test_unknown_intermediary_code_is_refused_and_nothing_changes(
    staff, shop, clock, shift, foreman
) -> None:
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    with pytest.raises(ValidationError, match="no intermediary INT-NOBODY"):
        reg.enter("INT-NOBODY")
    with pytest.raises(ValidationError, match="without a quantity"):
        reg.enter("2*INT-FOREMAN-IVAN")
    assert reg.basket.codes == []
    reg.enter("INT-FOREMAN-IVAN")
    assert im.through_intermediary(reg.basket) == foreman.id
    # not a promo code: priced without a refusal of it (the sale's codes check skips it)
    priced = reg.priced()
    assert not [r for r in priced.info.get("refused") or [] if "INT-" in str(r)]
    assert not [c for c in priced.info.get("codes") or [] if "INT-" in str(c)]
    im.clear_through_intermediary(reg.basket)
    assert reg.basket.codes == []


def test_a_return_takes_the_commission_back_pro_rata(staff, shop, shift, clock, foreman) -> None:
    """Three creams 569.70 at 12.35% = 70.357 -> 70.36. One back: 23.45 (a third, half up);
    then the other two: 46.91, so exactly 70.36 came back in all."""
    receipt = sell(staff, shop, shift, clock, ["3*" + shop.cream_code, "INT-FOREMAN-IVAN"])
    assert im.balance_of(foreman.id) == 7036
    line = ReceiptLine.get(ReceiptLine.receipt == receipt.id)

    def back(qty: int) -> None:
        commit_return(
            receipt,
            {line.id: qty},
            uuid=uid(),
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )

    back(1000)
    assert im.balance_of(foreman.id) == 7036 - 2345
    back(2000)
    assert im.balance_of(foreman.id) == 0
    kinds = [
        e.kind
        for e in ledger.entries(ledger.find_account(Kind.INTERMEDIARY, "partner", foreman.id))
    ]
    assert kinds == ["commission_return", "commission_return", "commission"]


def test_an_intermediary_buys_on_its_own_card_at_its_discount(
    staff, shop, shift, clock, groups
) -> None:
    own = customer(clock, "ФОП Іван", card="2900000000013")
    p = pt.create_partner(
        staff["manager"],
        kind="intermediary",
        code="DEALER",
        name="Дилер",
        customer_id=own.id,
        clock=clock,
    )
    pt.set_rate(staff["manager"], p.id, "discount", "15", group_id=groups["clothing"].id)
    pt.set_rate(staff["manager"], p.id, "commission", "5")
    # the dress at 15% off: 1 250.00 - 187.50; the cream has no discount rate
    receipt = sell(
        staff,
        shop,
        shift,
        clock,
        [shop.dress_code, shop.cream_code],
        customer_id=own.id,
        total_check=106250 + 18990,
    )
    assert not PartnerSale.select().where(PartnerSale.receipt == receipt.id).exists()
    entries = ledger.entries(ledger.find_account(Kind.INTERMEDIARY, "partner", p.id))
    assert sorted((e.kind, e.amount) for e in entries) == [("goods", -125240), ("payment", 125240)]
    assert im.balance_of(p.id) == 0
    # it brings the cream back: goods returned and refunded, on the balance too
    cream = ReceiptLine.get(
        (ReceiptLine.receipt == receipt.id) & (ReceiptLine.product == shop.cream.id)
    )
    commit_return(
        receipt, {cream.id: 1000}, uuid=uid(), employee=staff["cashier"], shift=shift,
        cash_step=10, clock=clock,
    )  # fmt: skip
    entries = ledger.entries(ledger.find_account(Kind.INTERMEDIARY, "partner", p.id))
    assert [(e.kind, e.amount) for e in entries[:2]] == [
        ("refund", -18990),
        ("goods_return", 18990),
    ]
    assert im.balance_of(p.id) == 0
    with pytest.raises(ValidationError, match="own card already"):
        pt.create_partner(
            staff["manager"],
            kind="intermediary",
            code="DEALER2",
            name="Ще",
            customer_id=own.id,
            clock=clock,
        )


def test_balance_goods_payments_and_commission_paid_from_the_drawer(
    staff, shop, shift, clock, foreman
) -> None:
    manager, cashier = staff["manager"], staff["cashier"]
    sell(staff, shop, shift, clock, [shop.dress_code, "INT-FOREMAN-IVAN"])  # 93.75 due
    im.record_goods(manager, foreman.id, 50000, document="invoice 7", clock=clock)
    assert im.balance_of(foreman.id) == 9375 - 50000
    im.record_payment(manager, foreman.id, 50000, document="bank 12", clock=clock)
    with pytest.raises(ValidationError, match="owed 93.75"):
        im.pay_commission(manager, foreman.id, 9376, clock=clock)
    with pytest.raises(ValidationError, match="more than zero"):
        im.pay_commission(manager, foreman.id, 0, clock=clock)
    cash_before = x_report(shift).cash_expected
    im.pay_commission(manager, foreman.id, 9375, shift=shift, clock=clock)
    assert im.balance_of(foreman.id) == 0
    assert x_report(shift).cash_expected == cash_before - 9375
    assert x_report(shift).payouts == {"reward": 9375}
    assert CashMovement.get(CashMovement.kind == "out:reward").amount == 9375
    assert FiscalJob.select().where(FiscalJob.kind == "cash_out").count() == 1
    with pytest.raises(PermissionDenied):
        im.record_goods(cashier, foreman.id, 100, document="x", clock=clock)
    # it pays for more goods in cash at the till: into the drawer, told to the fiscal unit
    im.record_goods(manager, foreman.id, 20000, document="invoice 8", clock=clock)
    cash_before = x_report(shift).cash_expected
    cash_ins = FiscalJob.select().where(FiscalJob.kind == "cash_in").count()
    im.record_payment(manager, foreman.id, 20000, shift=shift, clock=clock)
    assert im.balance_of(foreman.id) == 0
    assert x_report(shift).cash_expected == cash_before + 20000
    assert FiscalJob.select().where(FiscalJob.kind == "cash_in").count() == cash_ins + 1


def test_a_referrers_reward_is_an_expense_of_the_sale(staff, shop, shift, clock) -> None:
    manager = staff["manager"]
    blogger = pt.create_partner(manager, kind="referrer", code="BLOG", name="Блогер", clock=clock)
    fan = customer(clock, "Фан")
    pt.link_customer(manager, fan.id, blogger.id, clock=clock)
    receipt = sell(staff, shop, shift, clock, [shop.cream_code], customer_id=fan.id)
    sale = PartnerSale.get(PartnerSale.receipt == receipt.id)
    assert (sale.role, sale.partner_id, sale.total, sale.commission) == (
        "attracted",
        blogger.id,
        18990,
        0,
    )
    with pytest.raises(ValidationError, match="no sale receipt 999"):
        partners_money.pay_referrer(manager, blogger.id, 1000, receipt_id=999, clock=clock)
    partners_money.accrue_reward(manager, blogger.id, 2000, receipt_id=receipt.id, clock=clock)
    with pytest.raises(ValidationError, match="owed 20.00 ₴, not 20.01"):
        partners_money.pay_out(manager, Kind.PARTNER, blogger.id, 2001, clock=clock)
    partners_money.pay_out(manager, Kind.PARTNER, blogger.id, 2000, shift=shift, clock=clock)
    partners_money.pay_referrer(manager, blogger.id, 500, receipt_id=receipt.id, clock=clock)
    assert partners_money.balance_of(Kind.PARTNER, blogger.id) == 0
    assert x_report(shift).payouts == {"reward": 2000}


def test_rate_lookup_prefers_the_nearest_group() -> None:
    chains = {3: [3, 2, 1], 2: [2, 1], 1: [1]}
    assert im.rate_for({1: 100, 2: 200, None: 50}, 3, chains) == 200
    assert im.rate_for({1: 100, None: 50}, 3, chains) == 100
    assert im.rate_for({None: 50}, 3, chains) == 50
    assert im.rate_for({None: 50}, None, chains) == 50
    assert im.rate_for({}, 3, chains) == 0
    assert Decimal(1235) / 100 == Decimal("12.35")


@settings(parent=FUZZ, max_examples=40)
@given(data=st.data())
def test_partner_services_refuse_bad_input_and_write_nothing(staff, clock, foreman, data) -> None:
    """Every argument of the partner services, fuzzed: a message, never a traceback, and
    nothing written."""
    manager = staff["manager"]
    cases: dict[str, Callable[[Any], object]] = {
        "kind": lambda v: pt.create_partner(manager, kind=v, code="X1", name="X", clock=clock),
        "code": lambda v: pt.create_partner(
            manager, kind="referrer", code=v, name="X", clock=clock
        ),
        "name": lambda v: pt.create_partner(
            manager, kind="referrer", code="X1", name=v, clock=clock
        ),
        "phone": lambda v: pt.create_partner(
            manager, kind="referrer", code="X1", name="X", phone=v, clock=clock
        ),
        "rate percent": lambda v: pt.set_rate(manager, foreman.id, "commission", v),
        "rate partner": lambda v: pt.set_rate(manager, v, "commission", 5),
        "rate group": lambda v: pt.set_rate(manager, foreman.id, "commission", 5, group_id=v),
        "goods amount": lambda v: im.record_goods(manager, foreman.id, v, document="x"),
        "pay amount": lambda v: im.pay_commission(manager, foreman.id, v, clock=clock),
        "link customer": lambda v: pt.link_customer(manager, v, foreman.id, clock=clock),
    }
    kinds = {
        "kind": bad([None, "", "agent", 5, object()]),
        "code": bad(["", " ", "A B", "a+b", "x" * 41, None, 5], GENERATED_TEXT),
        "name": bad(["", "   ", None, 5, "x" * 201, "a\x00b"]),
        "phone": bad(["12", "phone", 5, "+1" * 30]),
        "rate percent": bad(["100.01", "150", "-1", "0", "abc", "1.234", Decimal("NaN"), 101]),
        "rate partner": bad([None, 0, -1, 999, "x", 1.5]),
        "rate group": bad([0, -1, 999, "x", 1.5]),
        "goods amount": bad(BAD_MONEY, GENERATED_INT.filter(lambda n: n <= 0)),
        "pay amount": bad(BAD_MONEY, GENERATED_INT.filter(lambda n: n <= 0)),
        "link customer": bad([None, 0, -1, 999, "x"]),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    value = data.draw(kinds[name], label=name)
    before = counts()
    refused(lambda: cases[name](value))
    assert counts() == before
