"""Invoices from two processes at once (two offices on one database), on both databases: the
numbers of the year stay 1..N without a gap or a twin, and one invoice gets one Nova Poshta
waybill however many tills press "make the waybill" at the same moment."""

from __future__ import annotations

import datetime as dt
import multiprocessing

import pytest

from tests.channels.fake_novaposhta import KYIV_REF, FakeNovaPoshta
from torgtui.customers.delivery import add_address
from torgtui.marketing import invoices, vip
from torgtui.marketing.invoices_draft import InvoiceDraft
from torgtui.models import Customer, Draft
from torgtui.models.invoices import Invoice
from torgtui.sales.shifts import open_shift

NOW = dt.datetime(2026, 11, 22, 10, 0)
KEY = "test-np-key"
SHOP = (
    "11111111-2222-3333-4444-555555555555",
    "66666666-7777-8888-9999-000000000000",
    KYIV_REF,
    "00000000-0000-0000-0000-000000000001",
    "380441234567",
)


def _issue_in_a_process(url, employee_id, shift_id, customer_id, uuids, barrier, out) -> None:
    from torgtui import db
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.marketing import invoices
    from torgtui.models import Draft, Employee, Shift
    from torgtui.sales.register import basket_from_json

    db.open_database(url)
    clock = FixedClock(NOW)
    employee, shift = Employee.get_by_id(employee_id), Shift.get_by_id(shift_id)
    drafts = {d.uuid: d.data for d in Draft.select()}
    for uuid in uuids:
        barrier.wait(timeout=60)
        try:
            inv = invoices.issue(
                basket_from_json(drafts[uuid]),
                customer_id=customer_id,
                payment="later",
                uuid=uuid,
                by=employee,
                shift=shift,
                clock=clock,
            )
            out.put((uuid, "ok", inv.number))
        except TorgError as exc:
            out.put((uuid, "refused", exc.message))
        except Exception as exc:  # a raw driver error (deadlock, unique violation) is the finding
            out.put((uuid, "raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def _waybill_in_a_process(url, np_url, employee_id, invoice_id, barrier, out) -> None:
    from torgtui import db
    from torgtui.channels.novaposhta import NovaPoshtaClient
    from torgtui.clock import FixedClock
    from torgtui.errors import TorgError
    from torgtui.marketing.invoices_waybill import Parcel, Shipper, create_waybill
    from torgtui.models import Employee

    db.open_database(url)
    with NovaPoshtaClient(KEY, base_url=np_url, timeout=10) as client:
        barrier.wait(timeout=60)
        try:
            inv = create_waybill(
                invoice_id,
                client=client,
                shipper=Shipper(*SHOP),
                parcel=Parcel(1000),
                by=Employee.get_by_id(employee_id),
                clock=FixedClock(NOW),
            )
            out.put(("ok", inv.waybill))
        except TorgError as exc:
            out.put(("refused", exc.message))
        except Exception as exc:
            out.put(("raw", f"{type(exc).__name__}: {exc}"))
    db.database.close()


def _run(target, args_each, n_results):
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(len(args_each)), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, out)) for args in args_each]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(n_results)]
    for p in procs:
        p.join(timeout=60)
    return results


@pytest.fixture
def buyer(db, staff, clock) -> Customer:
    c = Customer.create(name="ТОВ Опт", card="2900000000013", created_at=NOW, updated_at=NOW)
    vip.set_vip(c.id, "credit", limit=10_000_000, term_days=14, by=staff["manager"], clock=clock)
    return c


def test_two_processes_number_invoices_without_gaps_or_twins(
    db, backend, staff, shop, clock, buyer
) -> None:
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    uuids: list[list[str]] = [[], []]
    for _n in range(6):
        for side, who in enumerate(("cashier", "senior_cashier")):
            form = InvoiceDraft(staff[who], register="office", clock=clock)
            form.enter(shop.cream_code)
            uuids[side].append(form.uuid)
            Draft.update(status="done").where(Draft.uuid == form.uuid).execute()  # next: new
    db.close()
    results = _run(
        _issue_in_a_process,
        [(backend, staff["cashier"].id, shift.id, buyer.id, uuids[side]) for side in (0, 1)],
        12,
    )
    db.connect(reuse_if_open=True)
    assert sorted(outcome for _u, outcome, _d in results) == ["ok"] * 12, results
    assert sorted(number for _u, _o, number in results) == list(range(1, 13))
    assert sorted(i.number for i in Invoice.select()) == list(range(1, 13))
    assert invoices.owed(Invoice.get(Invoice.number == 12)) == 18990


def test_two_tills_make_one_waybill(db, backend, staff, shop, clock, buyer) -> None:
    shift = open_shift(staff["cashier"], "till-1", shop.location, 0, clock=clock)
    address = add_address(
        buyer,
        "nova_poshta",
        city="Київ",
        branch="5",
        recipient="Коваль Іван",
        phone="0671234567",
        by=staff["cashier"],
        clock=clock,
    )
    form = InvoiceDraft(staff["cashier"], register="office", clock=clock)
    form.enter(shop.cream_code)
    inv = invoices.issue(
        form.basket,
        customer_id=buyer.id,
        payment="later",
        uuid=form.uuid,
        by=staff["cashier"],
        shift=shift,
        address_id=address.id,
        clock=clock,
    )
    fake = FakeNovaPoshta(api_key=KEY).start()
    try:
        db.close()
        results = _run(
            _waybill_in_a_process,
            [(backend, fake.url, staff["cashier"].id, inv.id) for _ in range(2)],
            2,
        )
        db.connect(reuse_if_open=True)
        assert len(fake.calls("save")) == 1
    finally:
        fake.stop()
    outcomes = sorted(results)
    assert outcomes[0] == ("ok", "59000000000001"), outcomes
    assert outcomes[1][0] == "refused", outcomes
    assert (
        "being made at another till" in outcomes[1][1]
        or "has its waybill already" in outcomes[1][1]
    )
    assert Invoice.get_by_id(inv.id).waybill == "59000000000001"
