"""Partners from two processes at once (two offices on one database), on both databases:
the same commission paid twice at the same moment is paid once, the other refused in words;
a customer's first partner promo code at two registers links them once."""

from __future__ import annotations

import datetime as dt
import multiprocessing

from torgtui.marketing import intermediaries as im
from torgtui.marketing import ledger
from torgtui.marketing import partners as pt
from torgtui.marketing.ledger import Kind
from torgtui.models import Customer, Receipt
from torgtui.models.partners import CustomerPartner
from torgtui.sales.checkout import Tender, commit_sale
from torgtui.sales.register import Register
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)


def _pay_in_a_process(url, employee_id, partner_id, amount, barrier, out) -> None:
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.marketing import intermediaries
    from torgtui.models import Employee

    db.open_database(url)
    barrier.wait(timeout=60)
    try:
        intermediaries.pay_commission(
            Employee.get_by_id(employee_id), partner_id, amount, clock=FixedClock(NOW)
        )
        out.put(("ok", ""))
    except TorgError as exc:
        out.put(("refused", exc.message))
    except Exception as exc:  # a raw driver error (deadlock, unique violation) is the finding
        out.put(("raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def _link_in_a_process(url, customer_id, partner_id, barrier, out) -> None:
    from torgtui import db
    from torgtui.marketing.partners import link_if_free

    db.open_database(url)
    barrier.wait(timeout=60)
    try:
        with db.write_tx():
            out.put(("ok", link_if_free(customer_id, partner_id, None, now=NOW)))
    except Exception as exc:
        out.put(("raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def _run(target, args_each):
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(args_each)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, out)) for args in args_each]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in args_each]
    for p in procs:
        p.join(timeout=60)
    return results


def test_two_offices_pay_one_commission_once(db, backend, staff, shop, clock) -> None:
    agent = pt.create_partner(
        staff["manager"], kind="intermediary", code="AG", name="А", clock=clock
    )
    pt.set_rate(staff["manager"], agent.id, "commission", 10)
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    reg = Register(staff["cashier"], register="till-1", clock=clock, location_id=shop.location.id)
    reg.enter(shop.dress_code)
    reg.enter("INT-AG")
    commit_sale(
        reg.basket, [Tender("card", 125000)], uuid=reg.uuid, employee=staff["cashier"],
        shift=shift, cash_step=10, clock=clock,
    )  # fmt: skip
    assert im.balance_of(agent.id) == 12500
    db.close()
    results = _run(_pay_in_a_process, [(backend, staff["manager"].id, agent.id, 12500)] * 2)
    db.connect(reuse_if_open=True)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert "owed 0.00" in next(m for o, m in results if o == "refused")
    assert im.balance_of(agent.id) == 0
    assert ledger.check_account(ledger.find_account(Kind.INTERMEDIARY, "partner", agent.id)).ok
    assert Receipt.select().count() == 1


def test_two_registers_link_a_customer_once(db, backend, staff, clock) -> None:
    a = pt.create_partner(staff["manager"], kind="referrer", code="A", name="A", clock=clock)
    b = pt.create_partner(staff["manager"], kind="referrer", code="B", name="B", clock=clock)
    fan = Customer.create(name="Фан", created_at=NOW, updated_at=NOW)
    db.close()
    results = _run(_link_in_a_process, [(backend, fan.id, a.id), (backend, fan.id, b.id)])
    db.connect(reuse_if_open=True)
    assert sorted(r[1] for r in results) == [False, True], results
    assert CustomerPartner.select().where(CustomerPartner.customer == fan.id).count() == 1
