"""Pre-orders with exact kopecks, on both databases: taken at a special price (with the right
to change prices or a senior's PIN), prepaid in full or in parts, goods held when they arrive
(a hard reserve other sales cannot take), the customer told once per change, finished by a
real sale with the prepayment as a tender (the X report, the ledger back to zero), cancelled
with the prepayment given back, and two registers finishing one pre-order at once."""

from __future__ import annotations

import json
import multiprocessing
import re
import uuid as uuidlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.approve import confirmed
from tests.unit.test_service_fuzz import FUZZ
from torgtui.approvals import ApprovalNeeded
from torgtui.catalog.stock import available, post_movement, reserved_of, stock_of
from torgtui.db import database
from torgtui.errors import ValidationError
from torgtui.hw.fiscal.base import document_for
from torgtui.hw.fiscal.checkbox import CheckboxUnit
from torgtui.marketing import ledger, preorders
from torgtui.marketing.cards import CardTypeData, save_card_type
from torgtui.marketing.preorder_checkout import check_line
from torgtui.marketing.preorder_common import Status, find_account, notify, prepaid_of
from torgtui.marketing.preorder_finish import basket_for
from torgtui.marketing.preorder_money import by_tender, take_prepayment
from torgtui.marketing.preorders import OrderLine, finish
from torgtui.models import (
    AuditEntry,
    CashMovement,
    Customer,
    Draft,
    FiscalJob,
    LineAdjustment,
    OutboxMessage,
    Payment,
    Receipt,
    ReceiptLine,
)
from torgtui.models.preorders import Preorder, PreorderLine, PreorderReserve
from torgtui.money import format_money
from torgtui.sales.basket import Basket
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return
from torgtui.sales.shifts import close_shift, open_shift, x_report

FLOAT = 100000  # the cashier's opening float, 1 000.00


@pytest.fixture
def shift(staff, shop, clock):
    return open_shift(staff["cashier"], "till-1", shop.location, FLOAT, clock=clock)


@pytest.fixture
def olya(db, clock):
    return Customer.create(name="Оля", card="2900000000013", created_at=clock(), updated_at=clock())


def uid() -> str:
    return str(uuidlib.uuid4())


def take(staff, shop, clock, customer, lines, *, by="manager"):
    """A pre-order of ``lines`` for ``customer``, taken by ``by`` (a manager may change
    prices himself)."""
    return preorders.create(
        customer.id, shop.location.id, lines, by=staff[by], uuid=uid(), clock=clock
    )


def dress_and_cream(staff, shop, clock, customer):
    """The usual order: the dress at 1 000.00 (catalog 1 250.00) and a cream at its price."""
    return take(
        staff,
        shop,
        clock,
        customer,
        [OrderLine(shop.dress.id, 1000, 100000), OrderLine(shop.cream.id, 1000)],
    )


def arrive(shop, product, qty: int) -> None:
    post_movement(product, shop.location, qty, "inbound", note="supplier", system=True)


def prepay(staff, shift, clock, order, amount: int, tender: str = "cash"):
    return take_prepayment(
        order.id, amount, tender, uuid=uid(), by=staff["cashier"], shift=shift, clock=clock
    )


def messages(order) -> list[str]:
    return [
        m.kind
        for m in OutboxMessage.select()
        .where(OutboxMessage.dedupe.startswith(f"preorder:{order.id}:"))
        .order_by(OutboxMessage.id)
    ]


def sell_at_register(staff, shop, shift, clock, codes, tenders=None) -> Receipt:
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    for code in codes:
        reg.enter(code)
    priced = reg.priced()
    try:
        receipt = commit_sale(
            reg.basket,
            tenders or [Tender("card", priced.total)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    except ValidationError:
        Draft.delete().where(Draft.uuid == reg.uuid).execute()  # the next sale starts afresh
        raise
    reg.forget()
    return receipt


def ready_order(staff, shop, shift, clock, customer, prepaid: int = 50000):
    order = dress_and_cream(staff, shop, clock, customer)
    if prepaid:
        prepay(staff, shift, clock, order, prepaid)
    arrive(shop, shop.dress, 1000)
    arrive(shop, shop.cream, 1000)
    assert preorders.reserve(order.id, by=staff["cashier"], clock=clock).status == Status.READY
    return order


# --- taking the order ---------------------------------------------------------------------


def test_a_special_price_is_agreed_by_someone_who_may_change_prices(
    staff, shop, olya, clock
) -> None:
    lines = [OrderLine(shop.dress.id, 1000, 100000), OrderLine(shop.cream.id, 2000)]
    form = uid()

    def attempt(approval):
        return preorders.create(
            olya.id,
            shop.location.id,
            lines,
            by=staff["cashier"],
            uuid=form,
            approval=approval,
            clock=clock,
        )

    with pytest.raises(ApprovalNeeded, match="may not agree a price below the catalog's"):
        attempt(None)
    assert Preorder.select().count() == 0
    order = confirmed(attempt, staff["manager"], clock=clock)
    # 1 000.00 + 2 x 189.90
    assert (order.code, order.status, order.total) == ("PO-1", "open", 137980)
    row = Preorder.get_by_id(order.id)
    assert row.price_approval.approver_id == staff["manager"].id
    assert row.employee_id == staff["cashier"].id
    assert [
        (ln.qty, ln.unit_price, ln.list_price) for ln in row.lines.order_by(PreorderLine.id)
    ] == [
        (1000, 100000, 125000),
        (2000, 18990, 18990),
    ]
    assert attempt(None) == order  # the same form again: the same pre-order, nothing new
    assert Preorder.select().count() == 1
    assert messages(order) == ["preorder_open"]
    assert AuditEntry.select().where(AuditEntry.action == "preorder.create").count() == 1


def test_at_the_catalog_price_a_cashier_takes_it_alone(staff, shop, olya, clock) -> None:
    order = take(staff, shop, clock, olya, [OrderLine(shop.dress.id, 2000)], by="cashier")
    assert order.total == 250000 and Preorder.get_by_id(order.id).price_approval is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (lambda s: OrderLine(s.dress.id, -1000), "more than zero"),
        (lambda s: OrderLine(s.dress.id, 0), "more than zero"),
        (lambda s: OrderLine(s.dress.id, 1500), "sold by the piece"),
        (lambda s: OrderLine(s.dress.id, 1000, 130000), "above its catalog price"),
        (lambda s: OrderLine(s.dress.id, 1000, 50000), "below its cost"),
        (lambda s: OrderLine(s.dress.id, 1000, -1), "cannot be less than"),
        (lambda s: OrderLine(999, 1000), "not sold any more"),
        (lambda s: OrderLine(s.dress.id, "2"), "whole number of thousandths"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_written(
    staff, shop, olya, clock, line, message
) -> None:
    with pytest.raises(ValidationError, match=message):
        take(staff, shop, clock, olya, [line(shop)])
    assert Preorder.select().count() == PreorderLine.select().count() == 0
    assert OutboxMessage.select().count() == 0


def test_no_lines_a_product_twice_and_an_inactive_card_are_refused(
    staff, shop, olya, clock
) -> None:
    with pytest.raises(ValidationError, match="at least one product"):
        take(staff, shop, clock, olya, [])
    twice = [OrderLine(shop.cream.id, 1000), OrderLine(shop.cream.id, 2000)]
    with pytest.raises(ValidationError, match="twice"):
        take(staff, shop, clock, olya, twice)
    Customer.update(status="merged").where(Customer.id == olya.id).execute()
    with pytest.raises(ValidationError, match="not active"):
        take(staff, shop, clock, olya, [OrderLine(shop.cream.id, 1000)])
    assert Preorder.select().count() == 0


# --- prepayment ---------------------------------------------------------------------------


def test_a_full_prepayment_in_cash(staff, shop, shift, olya, clock) -> None:
    order = dress_and_cream(staff, shop, clock, olya)
    form = uid()
    paid = take_prepayment(
        order.id, 118990, "cash", uuid=form, by=staff["cashier"], shift=shift, clock=clock
    )
    assert (paid.amount, paid.prepaid, paid.to_pay) == (118990, 118990, 0)
    again = take_prepayment(
        order.id, 118990, "cash", uuid=form, by=staff["cashier"], shift=shift, clock=clock
    )
    assert again.entry_id == paid.entry_id and prepaid_of(order.id) == 118990
    account = find_account(order.id)
    assert ledger.check_account(account).ok
    assert by_tender(account) == {"cash": 118990, "card": 0}
    moves = [(m.kind, m.amount) for m in CashMovement.select().order_by(CashMovement.id)]
    assert moves == [("float", FLOAT), ("in", 118990)]
    cash_ins = [
        json.loads(j.payload)["amount"]
        for j in FiscalJob.select().where(FiscalJob.kind == "cash_in")
    ]
    assert cash_ins == [FLOAT, 118990]
    report = x_report(shift)
    assert (report.cash_in, report.cash_expected, report.sales_total) == (118990, 218990, 0)
    full = re.escape(f"prepaid in full ({format_money(118990)})")
    with pytest.raises(ValidationError, match=full):
        prepay(staff, shift, clock, order, 1)


def test_a_partial_prepayment_by_card_then_in_cash(staff, shop, shift, olya, clock) -> None:
    order = dress_and_cream(staff, shop, clock, olya)
    prepay(staff, shift, clock, order, 30000, "card")
    second = prepay(staff, shift, clock, order, 20000, "cash")
    assert (second.prepaid, second.to_pay) == (50000, 68990)
    assert by_tender(find_account(order.id)) == {"cash": 20000, "card": 30000}
    report = x_report(shift)
    assert (report.cash_in, report.cash_expected) == (20000, 120000)  # card money: not the drawer
    card = CashMovement.get(CashMovement.kind == "po_card")
    assert (card.amount, card.note.startswith("preorder:PO-1:")) == (30000, True)
    with pytest.raises(ValidationError, match=r"take at most 689\.90 ₴"):
        prepay(staff, shift, clock, order, 68991)
    with pytest.raises(ValidationError, match="more than zero"):
        prepay(staff, shift, clock, order, 0)
    with pytest.raises(ValidationError, match="more than zero"):
        prepay(staff, shift, clock, order, -100)
    with pytest.raises(ValidationError, match="in cash or by card"):
        prepay(staff, shift, clock, order, 100, "bonus")
    assert prepaid_of(order.id) == 50000 and ledger.check_account(find_account(order.id)).ok


# --- goods arrive: the hard reserve ------------------------------------------------------


def test_goods_are_held_as_they_arrive_and_the_customer_is_told_once(
    staff, shop, shift, olya, clock
) -> None:
    order = take(
        staff,
        shop,
        clock,
        olya,
        [OrderLine(shop.dress.id, 2000, 110000), OrderLine(shop.cream.id, 1000)],
    )
    with pytest.raises(ValidationError, match="Nothing of pre-order PO-1 is in stock yet"):
        preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    arrive(shop, shop.dress, 1000)
    first = preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    dress_line = PreorderLine.get(PreorderLine.product == shop.dress.id).id
    cream_line = PreorderLine.get(PreorderLine.product == shop.cream.id).id
    assert first.status == "reserved" and first.held == ((dress_line, 1000),)
    assert first.missing == ((dress_line, 1000), (cream_line, 1000))
    assert (stock_of(shop.dress, shop.location), reserved_of(shop.dress, shop.location)) == (
        1000,
        1000,
    )
    assert available(shop.dress, shop.location) == 0
    arrive(shop, shop.dress, 3000)
    arrive(shop, shop.cream, 1000)
    second = preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    assert second.status == "ready" and second.missing == ()
    assert available(shop.dress, shop.location) == 2000  # 4 arrived, 2 held
    with pytest.raises(ValidationError, match="reserved in full already"):
        preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    assert messages(order) == ["preorder_open", "preorder_reserved", "preorder_ready"]
    head = preorders.show(order.id, by=staff["cashier"]).head
    assert notify(head, "ready", clock()) is False  # a retry writes nothing twice
    ready = OutboxMessage.get(OutboxMessage.dedupe == f"preorder:{order.id}:ready")
    assert json.loads(ready.payload)["to_pay"] == 238990 and ready.customer_id == olya.id


def test_reserving_more_than_arrived_is_refused_and_nothing_is_held(
    staff, shop, olya, clock
) -> None:
    order = take(staff, shop, clock, olya, [OrderLine(shop.dress.id, 3000)])
    line = PreorderLine.get(PreorderLine.preorder == order.id).id
    arrive(shop, shop.dress, 1000)
    with pytest.raises(ValidationError, match="only 1 has arrived and is not held"):
        preorders.reserve(order.id, by=staff["cashier"], lines={line: 2000}, clock=clock)
    with pytest.raises(ValidationError, match="3 more is ordered, 4 cannot be reserved"):
        preorders.reserve(order.id, by=staff["cashier"], lines={line: 4000}, clock=clock)
    with pytest.raises(ValidationError, match="more than zero"):
        preorders.reserve(order.id, by=staff["cashier"], lines={line: -1000}, clock=clock)
    with pytest.raises(ValidationError, match="not on pre-order PO-1"):
        preorders.reserve(order.id, by=staff["cashier"], lines={line + 99: 1000}, clock=clock)
    assert PreorderReserve.select().count() == 0 and Preorder.get_by_id(order.id).status == "open"
    assert preorders.reserve(order.id, by=staff["cashier"], lines={line: 1000}, clock=clock).held


def test_another_sale_cannot_take_the_held_goods(staff, shop, shift, olya, clock) -> None:
    arrive(shop, shop.dress, 2000)
    order = take(staff, shop, clock, olya, [OrderLine(shop.dress.id, 1000)])
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    assert available(shop.dress, shop.location) == 1000
    sell_at_register(staff, shop, shift, clock, [shop.dress_code])  # the one that is free
    assert available(shop.dress, shop.location) == 0
    with pytest.raises(ValidationError, match="Сукня літня: what is in stock is held"):
        sell_at_register(staff, shop, shift, clock, [shop.dress_code])
    with pytest.raises(ValidationError, match="Сукня літня: what is in stock is held"):
        sell_at_register(staff, shop, shift, clock, [shop.cream_code, f"2*{shop.dress_code}"])
    assert Receipt.select().count() == 1  # refused whole: nothing of them was written
    assert stock_of(shop.dress, shop.location) == 1000 == reserved_of(shop.dress, shop.location)
    arrive(shop, shop.dress, 2000)
    with pytest.raises(ValidationError, match="only 2 can be sold: sell at most 2"):
        sell_at_register(staff, shop, shift, clock, [f"3*{shop.dress_code}"])
    sell_at_register(staff, shop, shift, clock, [f"2*{shop.dress_code}"])
    assert available(shop.dress, shop.location) == 0


def test_the_register_can_refuse_held_goods_at_the_scan(staff, shop, olya, clock) -> None:
    """check_line, for the register's scan: a product nobody holds is not limited; a held one
    to what is free, plus what the receipt's own pre-order holds of it."""
    arrive(shop, shop.dress, 2000)
    order = take(staff, shop, clock, olya, [OrderLine(shop.dress.id, 1000)])
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    other = Basket()
    check_line(other, shop.cream.id, 5000, shop.location.id)  # nothing held: not limited
    check_line(other, shop.dress.id, 1000, shop.location.id)
    with pytest.raises(ValidationError, match="only 1 can be sold: sell at most 1"):
        check_line(other, shop.dress.id, 2000, shop.location.id)
    own = basket_for(order.id)
    check_line(own, shop.dress.id, 2000, shop.location.id)  # its own and the free one
    # and the register asks it at every scan and quantity change
    reg = Register(staff["cashier"], register="till-2", clock=clock, location_id=shop.location.id)
    reg.scan(shop.dress_code)
    with pytest.raises(ValidationError, match="only 1 can be sold"):
        reg.scan(shop.dress_code)
    with pytest.raises(ValidationError, match="only 1 can be sold"):
        reg.set_qty(0, 2000)
    assert [ln.qty for ln in reg.basket.lines] == [1000]
    # nobody else holds any: the receipt's own pre-order is as free as any product (the till
    # never refuses a sale for stock the records may have wrong), as the sale hook judges it
    check_line(own, shop.dress.id, 3000, shop.location.id)
    check_line(other, shop.dress.id, 9000, None)  # no location: nothing to check against


# --- the sale -----------------------------------------------------------------------------


def test_finishing_pays_with_the_prepayment_and_the_ledger_ends_at_zero(
    staff, shop, shift, olya, clock
) -> None:
    order = ready_order(staff, shop, shift, clock, olya, prepaid=50000)
    done = finish(
        order.id,
        [Tender("cash", 70000)],
        uuid=uid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    receipt = Receipt.get_by_id(done.receipt.id)
    # 1 250.00 + 189.90, the dress at the 1 000.00 agreed
    assert (receipt.subtotal, receipt.discount, receipt.total) == (143990, 25000, 118990)
    assert (done.from_prepayment, done.given_back, done.change) == (50000, (), 1010)
    paid = {p.tender: (p.amount, p.tendered) for p in Payment.select()}
    assert paid == {"prepayment": (50000, 50000), "cash": (68990, 70000)}
    adjustments = [
        (a.step, a.rule, a.amount) for a in LineAdjustment.select().order_by(LineAdjustment.id)
    ]
    assert adjustments == [("preorder", "PO-1", 25000)]
    assert json.loads(receipt.info)["preorder"] == {"code": "PO-1", "prepaid": 50000}
    row = Preorder.get_by_id(order.id)
    assert (row.status, row.receipt_id) == ("sold", receipt.id)
    assert prepaid_of(order.id) == 0 and ledger.check_account(find_account(order.id)).ok
    assert {r.status for r in PreorderReserve.select()} == {"sold"}
    assert stock_of(shop.dress, shop.location) == 0 == reserved_of(shop.dress, shop.location)
    report = x_report(shift)
    assert (report.receipts, report.sales_total, report.discounts) == (1, 118990, 25000)
    assert report.by_tender == {"prepayment": 50000, "cash": 68990}
    assert (report.cash_in, report.cash_expected) == (50000, FLOAT + 50000 + 68990)
    # the fiscal unit: the whole total, the prepaid part as labelled cashless
    doc = document_for(receipt)
    assert (doc.total, doc.payments) == (118990, (("prepayment", 50000), ("cash", 68990)))
    unit = CheckboxUnit("http://127.0.0.1:9", "key", "1234")
    try:
        payload = unit.sell_payload(doc)
    finally:
        unit.close()
    assert payload["payments"] == [
        {"type": "CASHLESS", "value": 50000, "label": "Передоплата"},
        {"type": "CASH", "value": 68990},
    ]
    with pytest.raises(ValidationError, match=r"sold already \(receipt 1\)"):
        preorders.cancel(order.id, by=staff["owner"], shift=shift, clock=clock)
    with pytest.raises(ValidationError, match="sold already"):
        prepay(staff, shift, clock, order, 100)
    z = close_shift(shift, staff["cashier"], FLOAT + 50000 + 68990, clock=clock)
    assert z.as_dict() == {**report.as_dict(), "audit_head": z.audit_head}
    other = dress_and_cream(staff, shop, clock, olya)
    with pytest.raises(ValidationError, match="This shift is closed"):
        prepay(staff, shift, clock, other, 100)


def test_a_pre_order_is_finished_at_the_register_by_its_code(
    staff, shop, shift, olya, clock
) -> None:
    order = ready_order(staff, shop, shift, clock, olya, prepaid=118990)
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    entered = reg.enter("po-1")
    assert entered.kind == "preorder" and entered.customer_id == olya.id
    assert entered.message == f"Pre-order PO-1 for Оля: {format_money(118990)} prepaid."
    assert reg.basket.codes == ["PO-1"]
    reg.enter(shop.cream_code)  # one more cream, at its own price
    priced = reg.priced()
    assert priced.total == 118990 + 18990
    assert priced.info["preorder"]["prepaid"] == 118990
    with pytest.raises(ValidationError, match="pay exactly that"):
        commit_sale(
            reg.basket,
            [Tender("prepayment", 100000), Tender("card", 37980)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    receipt = commit_sale(
        reg.basket,
        [Tender("prepayment", 118990), Tender("card", 18990)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert receipt.total == 137980 and Preorder.get_by_id(order.id).status == "sold"
    assert prepaid_of(order.id) == 0
    lines = [(ln.name, ln.qty, ln.total) for ln in receipt.lines.order_by(ReceiptLine.position)]
    assert lines == [("Сукня літня", 1000, 100000), ("Крем для рук", 2000, 37980)]
    with pytest.raises(ValidationError, match="sold already"):
        Register(staff["cashier"], register="till-1", clock=clock).enter("PO-1")
    with pytest.raises(ValidationError, match="There is no pre-order PO-77"):
        Register(staff["cashier"], register="till-1", clock=clock).enter("PO-77")


def test_a_receipt_cheaper_than_the_prepayment_gives_the_difference_back_first(
    staff, shop, shift, clock
) -> None:
    card = save_card_type(
        CardTypeData(code="d25", name="D25", kind="discount", percent=Decimal(25)),
        by=staff["manager"],
        clock=clock,
    )
    c = Customer.create(
        name="Іра", card="2900000000020", card_type=card.id, created_at=clock(), updated_at=clock()
    )
    order = take(staff, shop, clock, c, [OrderLine(shop.dress.id, 1000, 100000)])
    prepay(staff, shift, clock, order, 100000)
    arrive(shop, shop.dress, 1000)
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    done = finish(
        order.id, uuid=uid(), employee=staff["cashier"], shift=shift, cash_step=10, clock=clock
    )
    # the card's 25% (312.50) beats the agreed 1 000.00: the customer pays 937.50
    assert (done.receipt.total, done.from_prepayment, done.given_back) == (
        93750,
        93750,
        (("cash", 6250),),
    )
    assert prepaid_of(order.id) == 0 and ledger.check_account(find_account(order.id)).ok
    report = x_report(shift)
    assert (report.cash_in, report.cash_out) == (100000, 6250)
    assert report.cash_expected == FLOAT + 100000 - 6250
    outs = [
        json.loads(j.payload)["amount"]
        for j in FiscalJob.select().where(FiscalJob.kind == "cash_out")
    ]
    assert outs == [6250]


def test_the_prepayment_share_of_a_return_comes_back_as_money(
    staff, shop, shift, olya, clock
) -> None:
    order = ready_order(staff, shop, shift, clock, olya, prepaid=50000)
    done = finish(
        order.id,
        [Tender("cash", 68990)],
        uuid=uid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    cream = ReceiptLine.get(
        (ReceiptLine.receipt == done.receipt.id) & (ReceiptLine.product == shop.cream.id)
    )
    back = commit_return(
        done.receipt,
        {cream.id: 1000},
        uuid=uid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert back.total == 18990
    assert [(p.tender, p.amount) for p in Payment.select().where(Payment.receipt == back.id)] == [
        ("cash", 18990)
    ]
    assert prepaid_of(order.id) == 0 and ledger.check_account(find_account(order.id)).ok
    assert x_report(shift).by_tender == {"prepayment": 50000, "cash": 68990 - 18990}


# --- bad input at the sale ----------------------------------------------------------------


def test_the_sale_refuses_what_does_not_match_the_pre_order(
    staff, shop, shift, olya, clock
) -> None:
    order = dress_and_cream(staff, shop, clock, olya)
    prepay(staff, shift, clock, order, 10000)
    with pytest.raises(ValidationError, match="PO-1 is waiting for goods"):
        finish(order.id, uuid=uid(), employee=staff["cashier"], shift=shift, cash_step=10)
    with pytest.raises(ValidationError, match="scan the pre-order's code"):
        sell_at_register(
            staff, shop, shift, clock, [shop.cream_code], [Tender("prepayment", 18990)]
        )
    arrive(shop, shop.dress, 1000)
    arrive(shop, shop.cream, 1000)
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    reg.enter("PO-1")
    reg.remove(1)  # the cream taken off
    with pytest.raises(ValidationError, match="has 1 of Крем для рук: put all of it"):
        commit_sale(
            reg.basket,
            [Tender("prepayment", 10000), Tender("card", 90000)],
            uuid=reg.uuid,
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    assert Preorder.get_by_id(order.id).status == "ready" and prepaid_of(order.id) == 10000
    assert Receipt.select().count() == 0


# --- calling it off ---------------------------------------------------------------------


def test_a_cancellation_gives_the_prepayment_back_the_way_it_was_paid(
    staff, shop, shift, olya, clock
) -> None:
    order = dress_and_cream(staff, shop, clock, olya)
    prepay(staff, shift, clock, order, 30000, "card")
    prepay(staff, shift, clock, order, 20000, "cash")
    arrive(shop, shop.dress, 1000)
    preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    assert available(shop.dress, shop.location) == 0

    def attempt(approval):
        return preorders.cancel(
            order.id,
            by=staff["cashier"],
            reason="changed her mind",
            shift=shift,
            approval=approval,
            clock=clock,
        )

    with pytest.raises(ApprovalNeeded, match="may not cancel a pre-order"):
        attempt(None)
    assert Preorder.get_by_id(order.id).status == "reserved"
    done = confirmed(attempt, staff["senior_cashier"], clock=clock)
    assert done.given_back == (("cash", 20000), ("card", 30000))
    assert Preorder.get_by_id(order.id).status == "cancelled"
    assert prepaid_of(order.id) == 0 and ledger.check_account(find_account(order.id)).ok
    assert available(shop.dress, shop.location) == 1000  # let go
    moves = [(m.kind, m.amount) for m in CashMovement.select().order_by(CashMovement.id)]
    assert moves == [
        ("float", FLOAT),
        ("po_card", 30000),
        ("in", 20000),
        ("out", 20000),
        ("po_card", -30000),
    ]
    report = x_report(shift)
    assert (report.cash_in, report.cash_out, report.cash_expected) == (20000, 20000, FLOAT)
    assert FiscalJob.select().where(FiscalJob.kind == "cash_out").count() == 1
    assert messages(order)[-1] == "preorder_cancelled"
    entry = AuditEntry.get(AuditEntry.action == "preorder.cancel")
    assert json.loads(entry.after)["given_back"] == [["cash", 20000], ["card", 30000]]
    # bad input: everything after it is refused
    with pytest.raises(ValidationError, match="PO-1 was cancelled"):
        finish(order.id, uuid=uid(), employee=staff["cashier"], shift=shift, cash_step=10)
    with pytest.raises(ValidationError, match="was cancelled"):
        prepay(staff, shift, clock, order, 100)
    with pytest.raises(ValidationError, match="was cancelled"):
        preorders.reserve(order.id, by=staff["cashier"], clock=clock)
    with pytest.raises(ValidationError, match="was cancelled"):
        preorders.cancel(order.id, by=staff["owner"], shift=shift, clock=clock)


def test_cash_back_needs_the_cash_in_the_drawer(staff, shop, clock, olya) -> None:
    till = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    order = dress_and_cream(staff, shop, clock, olya)
    prepay(staff, till, clock, order, 20000, "cash")
    other = open_shift(staff["manager"], "till-2", shop.location, 5000, clock=clock)
    with pytest.raises(ValidationError, match="the drawer has 50.00"):
        preorders.cancel(order.id, by=staff["manager"], shift=other, clock=clock)
    with pytest.raises(ValidationError, match="open your shift"):
        preorders.cancel(order.id, by=staff["manager"], clock=clock)
    assert Preorder.get_by_id(order.id).status == "open" and prepaid_of(order.id) == 20000
    assert preorders.cancel(order.id, by=staff["manager"], shift=till, clock=clock).given_back


# --- the list -------------------------------------------------------------------------------


def test_the_list_of_open_pre_orders_pages_newest_first(staff, shop, shift, olya, clock) -> None:
    orders = [take(staff, shop, clock, olya, [OrderLine(shop.cream.id, 1000)]) for _ in range(5)]
    prepay(staff, shift, clock, orders[1], 5000)
    preorders.cancel(orders[4].id, by=staff["owner"], clock=clock)
    first = preorders.open_preorders(by=staff["cashier"], limit=2)
    assert [r.code for r in first] == ["PO-4", "PO-3"]
    rest = preorders.open_preorders(by=staff["cashier"], before_id=first[-1].id, limit=10)
    assert [(r.code, r.prepaid, r.to_pay) for r in rest] == [
        ("PO-2", 5000, 13990),
        ("PO-1", 0, 18990),
    ]
    assert rest[0].customer == "Оля" and rest[0].status == "open"
    gone = preorders.open_preorders(by=staff["cashier"], statuses=["cancelled"])
    assert [r.code for r in gone] == ["PO-5"]
    with pytest.raises(ValidationError, match="by status: open, reserved"):
        preorders.open_preorders(by=staff["cashier"], statuses=["lost"])
    view = preorders.show(orders[1].id, by=staff["cashier"])
    assert (view.prepaid, view.to_pay, view.prepaid_by["cash"]) == (5000, 13990, 5000)
    assert [(ln.name, ln.held, ln.free) for ln in view.lines] == [("Крем для рук", 0, 0)]


# --- two registers at once -----------------------------------------------------------------


def _finish_in_a_process(
    url: str, employee_id: int, preorder_ids: list[int], how: str, barrier, out
) -> None:
    """Finish each pre-order: through the service (``finish``), or as a register does it, its
    basket straight into the checkout (``checkout``: the sale hook alone decides)."""
    from torgtui import db
    from torgtui.errors import TorgError
    from torgtui.marketing.preorder_finish import basket_for
    from torgtui.marketing.preorder_finish import finish as finish_it
    from torgtui.models import Employee, Location

    db.open_database(url)
    employee = Employee.get_by_id(employee_id)
    till = open_shift(employee, f"till-{employee_id}", Location.get(), 0)
    for preorder_id in preorder_ids:
        basket = basket_for(preorder_id)
        barrier.wait(timeout=60)
        try:
            if how == "finish":
                receipt = finish_it(
                    preorder_id,
                    [Tender("card", 18990)],
                    uuid=str(uuidlib.uuid4()),
                    employee=employee,
                    shift=till,
                    cash_step=10,
                ).receipt
            else:
                receipt = commit_sale(
                    basket,
                    [Tender("prepayment", 100000), Tender("card", 18990)],
                    uuid=str(uuidlib.uuid4()),
                    employee=employee,
                    shift=till,
                    cash_step=10,
                )
            out.put((preorder_id, "sold", receipt.id))
        except TorgError as exc:
            out.put((preorder_id, "refused", exc.message))
        except Exception as exc:  # a raw driver error (deadlock, unique index) is the finding
            out.put((preorder_id, "raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


@pytest.mark.parametrize("how", ["finish", "checkout"])
def test_two_registers_finishing_one_pre_order_sell_it_once(
    staff, shop, shift, olya, clock, backend, how
) -> None:
    """Six ready pre-orders (the dress at 1 000.00 prepaid, a cream to pay by card); two
    registers finish each at the same moment: one sells it, the other is told it is sold."""
    ids = [ready_order(staff, shop, shift, clock, olya, prepaid=100000).id for _ in range(6)]
    cashiers = [staff["cashier"].id, staff["senior_cashier"].id]
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(target=_finish_in_a_process, args=(backend, e, ids, how, barrier, out))
        for e in cashiers
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in range(2 * len(ids))]
    for p in procs:
        p.join(timeout=60)
    database.connect(reuse_if_open=True)
    outcome: dict[int, list[tuple[str, object]]] = {}
    for preorder_id, what, detail in results:
        outcome.setdefault(preorder_id, []).append((what, detail))
    for preorder_id, both in outcome.items():
        assert sorted(w for w, _d in both) == ["refused", "sold"], both
        refused = next(d for w, d in both if w == "refused")
        assert "sold already" in str(refused), refused
        row = Preorder.get_by_id(preorder_id)
        assert row.status == "sold" and prepaid_of(preorder_id) == 0
        assert ledger.check_account(find_account(preorder_id)).ok
    assert Receipt.select().count() == len(ids)
    assert sum(p.amount for p in Payment.select().where(Payment.tender == "prepayment")) == (
        100000 * len(ids)
    )


def _reserve_or_sell_in_a_process(
    url: str, role: str, employee_id: int, pairs: list[tuple[int, int]], barrier, out
) -> None:
    """For each (pre-order, product): hold the last unit for the pre-order, or sell it."""
    from torgtui import db
    from torgtui.errors import TorgError
    from torgtui.marketing import preorders as po
    from torgtui.models import Employee, Location, Product
    from torgtui.sales.basket import Basket
    from torgtui.sales.register import line_from_product

    db.open_database(url)
    employee = Employee.get_by_id(employee_id)
    till = open_shift(employee, f"till-{employee_id}", Location.get(), 0)
    for preorder_id, product_id in pairs:
        product = Product.get_by_id(product_id)
        barrier.wait(timeout=60)
        try:
            if role == "reserve":
                po.reserve(preorder_id, by=employee)
                out.put((product_id, "held"))
            else:
                commit_sale(
                    Basket([line_from_product(product, 1000)]),
                    [Tender("card", product.price)],
                    uuid=str(uuidlib.uuid4()),
                    employee=employee,
                    shift=till,
                    cash_step=10,
                )
                out.put((product_id, "sold"))
        except TorgError:
            out.put((product_id, "refused"))
        except Exception as exc:  # a raw driver error (deadlock) is the finding
            out.put((product_id, f"raw {type(exc).__name__}: {exc}"))
    db.database.close()


def test_a_reserve_and_a_sale_of_the_last_unit_at_once(staff, shop, olya, clock, backend) -> None:
    """Eight products with one unit each, each pre-ordered; one register holds it for the
    pre-order while another sells it, at the same moment: exactly one of them gets it."""
    from torgtui.models import Product

    pairs = []
    for n in range(8):
        product = Product.create(
            sku=f"L-{n}",
            name=f"Last {n}",
            price=10000,
            cost=5000,
            created_at=clock(),
            updated_at=clock(),
        )
        arrive(shop, product, 1000)
        order = take(staff, shop, clock, olya, [OrderLine(product.id, 1000)])
        pairs.append((order.id, product.id))
    database.close()
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [
        ctx.Process(
            target=_reserve_or_sell_in_a_process, args=(backend, role, e.id, pairs, barrier, out)
        )
        for role, e in (("reserve", staff["manager"]), ("sell", staff["cashier"]))
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in range(2 * len(pairs))]
    for p in procs:
        p.join(timeout=60)
    database.connect(reuse_if_open=True)
    outcome: dict[int, list[str]] = {}
    for product_id, what in results:
        outcome.setdefault(product_id, []).append(what)
    for product_id, both in outcome.items():
        assert sorted(both) in (["held", "refused"], ["refused", "sold"]), both
        assert available(product_id, shop.location) == 0
        assert reserved_of(product_id, shop.location) <= stock_of(product_id, shop.location)


# --- every service, with generated bad input ------------------------------------------------


@pytest.fixture
def ready_till(staff, shop, olya, clock):
    """A cashier's open shift and a ready pre-order with 500.00 prepaid (the first line's id)."""
    till = open_shift(staff["cashier"], "till-1", shop.location, FLOAT, clock=clock)
    order = ready_order(staff, shop, till, clock, olya, prepaid=50000)
    line = PreorderLine.get(PreorderLine.preorder == order.id).id
    return till, order, line


@FUZZ
@given(data=st.data())
def test_bad_input_to_every_service_is_refused_and_writes_nothing(
    staff, shop, olya, clock, ready_till, data
) -> None:
    from tests.unit import test_service_fuzz as fz

    till, order, line = ready_till
    cashier, manager = staff["cashier"], staff["manager"]

    def new(**kw: Any) -> object:
        args: dict[str, Any] = dict(
            customer_id=olya.id,
            location_id=shop.location.id,
            lines=[OrderLine(shop.cream.id, 1000)],
            by=manager,
            uuid=uid(),
            clock=clock,
        )
        args.update(kw)
        return preorders.create(args.pop("customer_id"), args.pop("location_id"), **args)

    cases: dict[str, tuple[Callable[[Any], object], st.SearchStrategy]] = {
        "create customer": (lambda v: new(customer_id=v), fz.bad(fz.BAD_INT, fz.GENERATED_INT)),
        "create location": (lambda v: new(location_id=v), fz.bad(fz.BAD_INT, fz.GENERATED_INT)),
        "create lines": (lambda v: new(lines=v), fz.bad([None, [], "x", [1], (None,), {}])),
        "create product": (
            lambda v: new(lines=[OrderLine(v, 1000)]),
            fz.bad(fz.BAD_INT, fz.GENERATED_INT),
        ),
        "create qty": (
            lambda v: new(lines=[OrderLine(shop.cream.id, v)]),
            fz.bad(fz.BAD_QTY, fz.GENERATED_INT),
        ),
        "create price": (
            lambda v: new(lines=[OrderLine(shop.cream.id, 1000, v)]),
            fz.bad([x for x in fz.BAD_MONEY if x is not None], fz.GENERATED_INT),
        ),
        "create note": (lambda v: new(note=v), fz.bad(fz.BAD_TEXT)),
        "create uuid": (lambda v: new(uuid=v), fz.bad(fz.BAD_UUID)),
        "prepay amount": (
            lambda v: take_prepayment(
                order.id, v, "cash", uuid=uid(), by=cashier, shift=till, clock=clock
            ),
            fz.bad(fz.BAD_MONEY, fz.GENERATED_INT),
        ),
        "prepay tender": (
            lambda v: take_prepayment(
                order.id, 100, v, uuid=uid(), by=cashier, shift=till, clock=clock
            ),
            fz.bad([*fz.BAD_TEXT, "bonus", "prepayment", "credit", ""]),
        ),
        "prepay preorder": (
            lambda v: take_prepayment(v, 100, "cash", uuid=uid(), by=cashier, shift=till),
            fz.bad(fz.BAD_INT, fz.GENERATED_INT),
        ),
        "prepay shift": (
            lambda v: take_prepayment(order.id, 100, "cash", uuid=uid(), by=cashier, shift=v),
            fz.bad([None, 5, "x", object()]),
        ),
        "reserve lines": (
            lambda v: preorders.reserve(order.id, by=cashier, lines=v, clock=clock),
            fz.bad([[], "x", {}, {"x": 1000}, {line: None}, {line: -1000}, {10**30: 1000}]),
        ),
        "reserve preorder": (
            lambda v: preorders.reserve(v, by=cashier, clock=clock),
            fz.bad(fz.BAD_INT, fz.GENERATED_INT),
        ),
        "cancel reason": (
            lambda v: preorders.cancel(order.id, by=manager, reason=v, shift=till, clock=clock),
            fz.bad(fz.BAD_TEXT),
        ),
        "finish tenders": (
            lambda v: finish(
                order.id, v, uuid=uid(), employee=cashier, shift=till, cash_step=10, clock=clock
            ),
            fz.bad([None, "x", [Tender("bonus", 10**12)], [Tender("card", -1)], [1]]),
        ),
        "finish cash step": (
            lambda v: finish(
                order.id,
                [Tender("cash", 70000)],
                uuid=uid(),
                employee=cashier,
                shift=till,
                cash_step=v,
                clock=clock,
            ),
            fz.bad([*fz.BAD_INT, 3, 0]),
        ),
        "list limit": (
            lambda v: preorders.open_preorders(by=cashier, limit=v),
            fz.bad(fz.BAD_INT[:-6]),
        ),
        "list statuses": (
            lambda v: preorders.open_preorders(by=cashier, statuses=v),
            fz.bad(["open", None, ["lost"], [None], [["open"]], 5]),
        ),
        "show": (lambda v: preorders.show(v, by=cashier), fz.bad(fz.BAD_INT, fz.GENERATED_INT)),
    }
    name = data.draw(st.sampled_from(sorted(cases)))
    call, kind = cases[name]
    value = data.draw(kind, label=name)
    before = fz.counts()
    fz.refused(lambda: call(value))
    assert fz.counts() == before
