"""Returns: by line and quantity, refunds by the original tenders, reversing stock, and never
more back than was sold, even from two registers at once."""

from __future__ import annotations

import threading
import uuid as uuidlib
from decimal import Decimal

import pytest

from tests.approve import confirmed
from torgtui.db import database
from torgtui.errors import ValidationError
from torgtui.models import FiscalJob, Payment, Receipt, ReceiptLine, StockMovement
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.returns import commit_return, find_receipt, returnable
from torgtui.sales.shifts import open_shift


def new_uuid() -> str:
    return str(uuidlib.uuid4())


@pytest.fixture
def sale(staff, shop, clock):
    """A sale of 3 creams and 1 dress with a 10% receipt discount, paid card 100 + cash."""
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    reg = Register(staff["cashier"], register="till-1", clock=clock)
    reg.scan(f"3*{shop.cream_code}")
    reg.scan(shop.dress_code)
    confirmed(
        lambda ok: reg.manual_discount(percent=Decimal(10), approval=ok),
        staff["manager"],
        clock=clock,
    )
    basket = reg.priced()
    receipt = commit_sale(
        basket,
        [Tender("card", 10000), Tender("cash", 200000)],
        uuid=reg.uuid,
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    return receipt, shift


def lines_of(receipt):
    return {ln.name: ln for ln in ReceiptLine.select().where(ReceiptLine.receipt == receipt)}


def test_partial_then_rest(sale, staff, clock) -> None:
    receipt, shift = sale
    cream = lines_of(receipt)["Крем для рук"]
    assert (cream.qty, cream.subtotal, cream.discount, cream.total) == (3000, 56970, 5697, 51273)
    r1 = commit_return(
        receipt,
        {cream.id: 1000},
        uuid=new_uuid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    r2 = commit_return(
        receipt,
        {cream.id: 2000},
        uuid=new_uuid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert (r1.kind, r1.original_id, r1.number, r2.number) == ("return", receipt.id, 2, 3)
    assert r1.total + r2.total == cream.total  # exact to the kopeck in the end
    assert r1.total == 17091
    back = {ln.original_line_id for r in (r1, r2) for ln in r.lines}
    assert back == {cream.id}
    moves = [m.qty for m in StockMovement.select().where(StockMovement.kind == "return")]
    assert sorted(moves) == [1000, 2000]
    assert [r.left for r in returnable(receipt)] == [0, 1000]
    with pytest.raises(ValidationError, match="Only 0 of Крем для рук can still be returned"):
        commit_return(
            receipt,
            {cream.id: 1000},
            uuid=new_uuid(),
            employee=staff["cashier"],
            shift=shift,
            cash_step=10,
            clock=clock,
        )
    assert {j.kind for j in FiscalJob.select()} >= {"return"}


def test_refund_goes_back_by_tenders(sale, staff, clock) -> None:
    receipt, shift = sale
    dress = lines_of(receipt)["Сукня літня"]
    r = commit_return(
        receipt,
        {dress.id: 1000},
        uuid=new_uuid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    pays = {p.tender: p.amount for p in Payment.select().where(Payment.receipt == r)}
    assert pays["card"] == 10000  # the card part first, up to what the card paid
    assert pays["cash"] == r.total - 10000 + r.rounding
    assert pays["cash"] % 10 == 0


def test_bad_returns(sale, staff, clock) -> None:
    receipt, shift = sale
    cream = lines_of(receipt)["Крем для рук"]
    kw = dict(employee=staff["cashier"], shift=shift, cash_step=10, clock=clock)
    with pytest.raises(ValidationError, match="Choose what comes back"):
        commit_return(receipt, {}, uuid=new_uuid(), **kw)
    with pytest.raises(ValidationError, match="not on receipt"):
        commit_return(receipt, {999999: 1000}, uuid=new_uuid(), **kw)
    with pytest.raises(ValidationError, match="Only 3"):
        commit_return(receipt, {cream.id: 4000}, uuid=new_uuid(), **kw)
    r = commit_return(receipt, {cream.id: 1000}, uuid=new_uuid(), **kw)
    with pytest.raises(ValidationError, match="Only a sale"):
        commit_return(r, {cream.id: 1000}, uuid=new_uuid(), **kw)
    with pytest.raises(ValidationError, match="no sale receipt number 99"):
        find_receipt(99, receipt.location_id)
    assert find_receipt(receipt.number, receipt.location_id).id == receipt.id
    assert Receipt.select().where(Receipt.kind == "return").count() == 1


def test_two_registers_return_the_same_line_at_once(sale, staff, shop, clock) -> None:
    receipt, _shift = sale
    cream = lines_of(receipt)["Крем для рук"]
    shifts = {
        "cashier": _shift,
        "manager": open_shift(staff["manager"], "till-2", shop.location, 0, clock=clock),
    }
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def attempt(who: str) -> None:
        try:
            barrier.wait()
            results[who] = commit_return(
                receipt,
                {cream.id: 3000},
                uuid=new_uuid(),
                employee=staff[who],
                shift=shifts[who],
                cash_step=10,
                clock=clock,
            )
        except ValidationError as exc:
            results[who] = exc
        finally:
            database.close()

    threads = [threading.Thread(target=attempt, args=(w,)) for w in shifts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in results.values() if isinstance(r, Receipt)]
    refused = [r for r in results.values() if isinstance(r, ValidationError)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert "can still be returned" in str(refused[0])
    returned = sum(ln.qty for ln in ReceiptLine.select().where(ReceiptLine.original_line == cream))
    assert returned == 3000


def test_return_is_idempotent(sale, staff, clock) -> None:
    receipt, shift = sale
    cream = lines_of(receipt)["Крем для рук"]
    uid = new_uuid()
    kw = dict(uuid=uid, employee=staff["cashier"], shift=shift, cash_step=10, clock=clock)
    a = commit_return(receipt, {cream.id: 1000}, **kw)
    b = commit_return(receipt, {cream.id: 1000}, **kw)
    assert a.id == b.id and Receipt.select().where(Receipt.kind == "return").count() == 1


def test_refund_preview_is_what_the_return_pays(sale, staff, clock) -> None:
    from torgtui.sales.returns import refund_total

    receipt, shift = sale
    items = {r.line.name: r for r in returnable(receipt)}
    chosen = [(items["Крем для рук"], 2000), (items["Сукня літня"], 1000)]
    preview = refund_total(chosen)
    done = commit_return(
        receipt,
        {item.line.id: qty for item, qty in chosen},
        uuid=new_uuid(),
        employee=staff["cashier"],
        shift=shift,
        cash_step=10,
        clock=clock,
    )
    assert preview == done.total > 0
