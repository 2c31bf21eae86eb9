"""Committing receipts: payments, one transaction, idempotency by UUID, stock and fiscal queue;
shifts with X and Z reports."""

from __future__ import annotations

import dataclasses
import json
import uuid as uuidlib
from decimal import Decimal

import pytest

from tests.approve import confirmed
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import (
    CashMovement,
    Draft,
    FiscalJob,
    LineAdjustment,
    Payment,
    Receipt,
    ReceiptLine,
    Shift,
    StockMovement,
)
from torgtui.sales.checkout import Tender, commit_sale, settle
from torgtui.sales.register import Register
from torgtui.sales.shifts import cash_move, close_shift, current_shift, open_shift, x_report


@pytest.fixture
def shift(staff, shop, clock) -> Shift:
    return open_shift(staff["cashier"], "till-1", shop.location, 50000, clock=clock)


def sell(reg: Register, shift: Shift, tenders, **kw) -> Receipt:
    receipt = commit_sale(
        reg.priced(),
        tenders,
        uuid=reg.uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=reg.clock,
        **kw,
    )
    reg.forget()
    return receipt


@pytest.fixture
def reg(staff, shop, clock) -> Register:
    return Register(staff["cashier"], register="till-1", clock=clock)


def test_settle_rules() -> None:
    s = settle(18995, [Tender("cash", 20000)], 10)
    assert (s.payments, s.rounding, s.change) == ([("cash", 19000, 20000)], 5, 1000)
    s = settle(18994, [Tender("card", 10000), Tender("cash", 9000)], 10)
    assert s.payments == [("card", 10000, 10000), ("cash", 8990, 9000)] and s.rounding == -4
    assert settle(18994, [Tender("card", 18994)], 10).payments == [("card", 18994, 18994)]
    with pytest.raises(ValidationError, match="card payment is more than"):
        settle(1000, [Tender("card", 1500)], 10)
    with pytest.raises(ValidationError, match="still to pay"):
        settle(1000, [Tender("cash", 500)], 10)
    with pytest.raises(ValidationError, match="change would be"):
        settle(1000, [Tender("cash", 10_000_000)], 10)
    with pytest.raises(ValidationError, match="more than zero"):
        settle(1000, [Tender("cash", -5)], 10)
    with pytest.raises(ValidationError, match="Unknown way to pay"):
        settle(1000, [Tender("iou", 1000)], 10)


def test_sale_writes_everything_in_one_go(reg, shift, shop, staff) -> None:
    reg.scan(shop.dress_code)
    reg.scan(f"2*{shop.cream_code}")
    confirmed(
        lambda ok: reg.manual_discount(percent=Decimal(10), line=0, approval=ok),
        staff["manager"],
        clock=reg.clock,
    )
    uuid = reg.uuid
    receipt = sell(reg, shift, [Tender("card", 50000), Tender("cash", 150000)])
    assert (receipt.number, receipt.kind, receipt.uuid) == (1, "sale", uuid)
    assert (receipt.subtotal, receipt.discount, receipt.total) == (162980, 12500, 150480)
    assert receipt.rounding == 0 and receipt.change == 49520
    lines = list(
        ReceiptLine.select().where(ReceiptLine.receipt == receipt).order_by(ReceiptLine.position)
    )
    assert [(ln.name, ln.qty, ln.total) for ln in lines] == [
        ("Сукня літня", 1000, 112500),
        ("Крем для рук", 2000, 37980),
    ]
    adj = LineAdjustment.get()
    assert (adj.step, adj.amount, adj.employee_id) == ("manual", 12500, staff["manager"].id)
    pays = {(p.tender, p.amount, p.tendered) for p in Payment.select()}
    assert pays == {("card", 50000, 50000), ("cash", 100480, 150000)}
    moves = sorted((m.product_id, m.qty, m.kind) for m in StockMovement.select())
    assert moves == sorted([(shop.dress.id, -1000, "sale"), (shop.cream.id, -2000, "sale")])
    assert all(m.receipt_line_id for m in StockMovement.select())
    job = FiscalJob.get(FiscalJob.kind == "sale")
    assert (job.kind, job.receipt_id, job.status) == ("sale", receipt.id, "pending")
    assert receipt.fiscal_status == "pending"
    assert Draft.select().count() == 0


def test_commit_is_idempotent(reg, shift, shop) -> None:
    reg.scan(shop.cream_code)
    basket, uuid = reg.priced(), reg.uuid
    first = commit_sale(
        basket,
        [Tender("cash", 20000)],
        uuid=uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=reg.clock,
    )
    again = commit_sale(
        basket,
        [Tender("cash", 20000)],
        uuid=uuid,
        employee=reg.employee,
        shift=shift,
        cash_step=10,
        clock=reg.clock,
    )
    assert again.id == first.id
    assert Receipt.select().count() == 1 and StockMovement.select().count() == 1
    assert FiscalJob.select().where(FiscalJob.kind == "sale").count() == 1
    assert Payment.select().count() == 1


def test_failed_commit_writes_nothing(reg, shift, shop) -> None:
    reg.scan(shop.dress_code)
    with pytest.raises(ValidationError, match="still to pay"):
        sell(reg, shift, [Tender("cash", 100)])
    assert Receipt.select().count() == 0 and StockMovement.select().count() == 0
    assert Draft.select().count() == 1  # the sale is still there to pay


def test_closed_shift_refuses_sales(reg, shift, shop, staff, clock) -> None:
    close_shift(shift, staff["cashier"], clock=clock)
    reg.scan(shop.cream_code)
    with pytest.raises(ValidationError, match="shift is closed"):
        sell(reg, shift, [Tender("cash", 20000)])
    assert Receipt.select().count() == 0


def test_numbers_are_sequential(reg, shift, shop) -> None:
    numbers = []
    for _ in range(3):
        reg.scan(shop.cream_code)
        numbers.append(sell(reg, shift, [Tender("card", 18990)]).number)
    assert numbers == [1, 2, 3]


def test_shift_x_and_z(reg, shift, shop, staff, clock) -> None:
    with pytest.raises(ValidationError, match="already open"):
        open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    reg.scan(shop.cream_code)
    sell(reg, shift, [Tender("cash", 20000)])  # 189.90 -> 189.90 cash (step 10: 18990)
    reg.scan(shop.dress_code)
    sell(reg, shift, [Tender("card", 125000)])
    cash_move(shift, staff["cashier"], "in", 10000, "change coins", clock=clock)
    cash_move(shift, staff["cashier"], "out", 30000, "to the safe", clock=clock)
    with pytest.raises(ValidationError, match="less cash"):
        cash_move(shift, staff["cashier"], "out", 10_000_000, clock=clock)
    x = x_report(shift)
    assert (x.receipts, x.sales_total) == (2, 143990)
    assert x.by_tender == {"cash": 18990, "card": 125000}
    assert (x.cash_float, x.cash_in, x.cash_out) == (50000, 10000, 30000)
    assert x.cash_expected == 50000 + 10000 - 30000 + 18990
    reg.scan(shop.cream_code)  # an open receipt blocks the Z report
    with pytest.raises(ValidationError, match="open or held"):
        close_shift(shift, staff["cashier"], clock=clock)
    confirmed(lambda ok: reg.cancel(approval=ok), staff["senior_cashier"], clock=clock)
    z = close_shift(shift, staff["cashier"], counted_cash=48990, clock=clock)
    assert dataclasses.replace(z, audit_head=[]) == x and z.audit_head  # + the audit head
    row = Shift.get_by_id(shift.id)
    assert row.status == "closed" and json.loads(row.z_report)["sales_total"] == 143990
    assert current_shift(staff["cashier"], "till-1") is None
    kinds = [j.kind for j in FiscalJob.select().order_by(FiscalJob.id)]
    assert kinds == ["open_shift", "cash_in", "sale", "sale", "cash_in", "cash_out", "close_shift"]
    assert CashMovement.select().count() == 3


def test_shift_permissions(staff, shop, clock) -> None:
    with pytest.raises(PermissionDenied):
        open_shift(staff["support"], "till-9", shop.location, 0, clock=clock)


def test_receipt_uuid_is_the_drafts(reg, shift, shop) -> None:
    reg.scan(shop.cream_code)
    uuid = reg.uuid
    assert uuidlib.UUID(uuid)
    assert sell(reg, shift, [Tender("card", 18990)]).uuid == uuid
