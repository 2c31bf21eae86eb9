"""The persistent fiscal queue: in order, exactly once, through outages, refusals and a crash,
against the fake Checkbox server and a real database."""

from __future__ import annotations

import datetime as dt
import json
import queue
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from torgtui.errors import PermissionDenied, ValidationError
from torgtui.hw.fiscal.checkbox import CheckboxUnit
from torgtui.hw.fiscal.queue import (
    FiscalSender,
    backoff,
    blocking_job,
    last_error,
    process_queue,
    retry_job,
    waiting_count,
)
from torgtui.hw.fiscal.sandbox import SandboxUnit
from torgtui.models import AuditEntry, Receipt
from torgtui.sales.shifts import cash_move, close_shift

from .fake_checkbox import FakeCheckbox
from .fiscal_rows import Shop, job_of, jobs, make_shop, sell

KEY, PIN = "test-license-key", "5555"
HERE = Path(__file__).resolve().parent


@pytest.fixture
def fake() -> Iterator[FakeCheckbox]:
    server = FakeCheckbox(license_key=KEY, pin_code=PIN).start()
    yield server
    server.stop()


def make_unit(fake: FakeCheckbox, **kw: object) -> CheckboxUnit:
    options: dict = {"timeout": 3.0, "poll_interval": 0.75, "poll_timeout": 6.0}
    options.update(kw)
    return CheckboxUnit(fake.url, KEY, PIN, sleep=lambda _s: None, **options)


@pytest.fixture
def unit(fake: FakeCheckbox) -> Iterator[CheckboxUnit]:
    u = make_unit(fake)
    yield u
    u.close()


@pytest.fixture
def shop(db, staff, clock) -> Shop:
    return make_shop(staff["cashier"], clock)


def tea_sale(shop: Shop, clock, **kw) -> Receipt:
    return sell(shop, [(shop.tea, 1000, 0)], [("cash", 5500)], clock, **kw)


def fresh(receipt: Receipt) -> Receipt:
    return Receipt.get_by_id(receipt.id)


def test_backoff_doubles_from_5_seconds_to_5_minutes() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [5, 10, 20, 40, 80, 160, 300, 300]


def test_outage_then_recovery_sends_every_receipt_once_in_order(shop, unit, fake, clock) -> None:
    sales = [tea_sale(shop, clock) for _ in range(3)]
    fake.go_down()

    state = process_queue(unit, clock=clock)
    assert (state.sent, state.waiting, state.blocked_message) == (0, 4, "")
    assert "cannot be reached" in state.last_error
    first = jobs()[0]
    assert (first.kind, first.status, first.attempts) == ("open_shift", "pending", 1)
    assert first.next_try_at == clock() + dt.timedelta(seconds=5)
    assert all(fresh(r).fiscal_status == "pending" for r in sales)

    process_queue(unit, clock=clock)  # not due yet: nothing is tried
    assert jobs()[0].attempts == 1
    clock.advance(seconds=5)
    process_queue(unit, clock=clock)
    assert jobs()[0].attempts == 2
    assert jobs()[0].next_try_at == clock() + dt.timedelta(seconds=10)
    assert last_error() == jobs()[0].last_error != ""

    fake.start()
    clock.advance(seconds=10)
    state = process_queue(unit, clock=clock)
    assert (state.sent, state.waiting, state.blocked_message, state.last_error) == (4, 0, "", "")
    assert fake.created == [r.uuid for r in sales]
    for r in sales:
        r = fresh(r)
        assert r.fiscal_status == "done"
        assert r.fiscal_code == fake.receipts[r.uuid]["fiscal_code"] != ""
        assert job_of(r).remote_id == r.uuid
    assert [j.status for j in jobs()] == ["done"] * 4
    assert waiting_count() == 0


def test_server_errors_are_retried_with_backoff(shop, unit, fake, clock) -> None:
    sale = tea_sale(shop, clock)
    fake.fail_left = 2
    assert "HTTP 500" in process_queue(unit, clock=clock).last_error
    clock.advance(seconds=5)
    assert process_queue(unit, clock=clock).sent == 0
    assert jobs()[0].attempts == 2
    clock.advance(seconds=10)
    assert process_queue(unit, clock=clock).sent == 2
    assert fake.created == [sale.uuid]
    assert fresh(sale).fiscal_status == "done"


def test_slow_answer_then_resend_makes_one_fiscal_receipt(shop, fake, clock) -> None:
    unit = make_unit(fake, timeout=0.5)
    process_queue(unit, clock=clock)  # the shift
    sale = tea_sale(shop, clock)
    fake.slow_left, fake.slow_seconds, fake.slow_stores_first = 1, 30.0, False

    state = process_queue(unit, clock=clock)  # times out; Checkbox has no such receipt yet
    assert state.sent == 0 and "did not answer" in state.last_error
    assert job_of(sale).status == "pending"

    fake.release.set()  # the slow request now goes through at the server
    assert fake.wait_created(sale.uuid)
    clock.advance(seconds=5)
    assert process_queue(unit, clock=clock).sent == 1  # resent: "already exists" -> looked up
    assert fake.created == [sale.uuid]
    assert [c.status for c in fake.calls("POST", "/receipts/sell")] == [201, 400]
    assert fresh(sale).fiscal_code == fake.receipts[sale.uuid]["fiscal_code"]
    unit.close()


def test_late_done_waits_and_then_completes(shop, unit, fake, clock) -> None:
    process_queue(unit, clock=clock)
    sale = tea_sale(shop, clock)
    fake.done_after_polls = 50
    state = process_queue(unit, clock=clock)
    assert state.sent == 0 and "not finished" in state.last_error
    assert (job_of(sale).status, fresh(sale).fiscal_status) == ("pending", "pending")
    fake.done_after_polls = 0
    clock.advance(seconds=5)
    assert process_queue(unit, clock=clock).sent == 1
    assert fake.created == [sale.uuid]
    assert fresh(sale).fiscal_status == "done"


def test_refusal_blocks_the_queue_until_retried(shop, unit, fake, clock, staff) -> None:
    process_queue(unit, clock=clock)
    a, b = tea_sale(shop, clock), tea_sale(shop, clock)
    fake.refuse_receipts = "Невідомий код УКТЗЕД товару T-1"

    state = process_queue(unit, clock=clock)
    assert (state.sent, state.waiting) == (0, 2)
    assert "Невідомий код УКТЗЕД товару T-1" in state.blocked_message
    assert (job_of(a).status, fresh(a).fiscal_status) == ("error", "error")
    assert (job_of(b).status, job_of(b).attempts) == ("pending", 0)
    assert blocking_job().id == job_of(a).id
    assert last_error() == job_of(a).last_error == state.blocked_message

    posts = len(fake.calls("POST", "/receipts/sell"))
    clock.advance(minutes=10)
    assert process_queue(unit, clock=clock).blocked_message == state.blocked_message
    assert len(fake.calls("POST", "/receipts/sell")) == posts  # later jobs wait

    fake.refuse_receipts = ""
    retry_job(job_of(a).id, by=staff["cashier"], clock=clock)
    assert (job_of(a).status, fresh(a).fiscal_status) == ("pending", "pending")
    entry = AuditEntry.get(AuditEntry.action == "fiscal.retry")
    assert entry.employee_id == staff["cashier"].id
    assert entry.object_id == str(job_of(a).id)
    assert "УКТЗЕД" in entry.before

    assert process_queue(unit, clock=clock).sent == 2
    assert fake.created == [a.uuid, b.uuid]
    assert blocking_job() is None and waiting_count() == 0


def test_retry_needs_the_shift_permission_and_a_waiting_job(shop, staff, clock) -> None:
    process_queue(SandboxUnit(), clock=clock)
    job = jobs()[0]
    with pytest.raises(PermissionDenied):
        retry_job(job.id, by=staff["support"], clock=clock)
    with pytest.raises(ValidationError, match="nothing to retry"):
        retry_job(job.id, by=staff["manager"], clock=clock)
    with pytest.raises(ValidationError, match="no fiscal job"):
        retry_job(99999, by=staff["manager"], clock=clock)


def test_cash_moves_and_z_report_go_through_the_queue(db, staff, unit, fake, clock) -> None:
    cashier = staff["cashier"]
    shop = make_shop(cashier, clock, opening_float=50000)
    sale = tea_sale(shop, clock)
    cash_move(shop.shift, cashier, "out", 20000, clock=clock)
    close_shift(shop.shift, cashier, 35500, clock=clock)
    assert [j.kind for j in jobs()] == ["open_shift", "cash_in", "sale", "cash_out", "close_shift"]

    assert process_queue(unit, clock=clock).sent == 5
    services = fake.calls("POST", "/receipts/service")
    assert [c.body["payment"] for c in services] == [
        {"type": "CASH", "value": 50000},
        {"type": "CASH", "value": -20000},
    ]
    cash_in = jobs()[1]
    assert services[0].body["id"] == json.loads(cash_in.payload)["uuid"] == cash_in.remote_id
    close = jobs()[4]
    z = json.loads(close.payload)["result"]["z_report"]
    assert z["sell_receipts_count"] == 1 and z["balance"] == 50000 - 20000 + 5500
    assert close.fiscal_code == str(z["serial"])
    assert fresh(sale).fiscal_status == "done"

    # the register died after Checkbox took the cash in but before "done" was saved
    type(cash_in).update(status="sending").where(type(cash_in).id == cash_in.id).execute()
    assert process_queue(unit, clock=clock).sent == 1
    assert fake.created.count(cash_in.remote_id) == 1


def test_return_is_sent_with_its_sale(shop, unit, fake, clock) -> None:
    sale = sell(shop, [(shop.tea, 1000, 0), (shop.cup, 1000, 2500)], [("card", 18200)], clock)
    back = sell(
        shop, [(shop.cup, 1000, 2500)], [("cash", 12700)], clock, kind="return", original=sale
    )
    assert process_queue(unit, clock=clock).sent == 3
    post = fake.calls("POST", "/receipts/sell")[-1]
    assert post.body["related_receipt_id"] == sale.uuid
    assert post.body["goods"][0]["is_return"] is True
    assert post.body["payments"] == [{"type": "CASH", "value": 12700}]
    assert fake.receipts[back.uuid]["type"] == "RETURN"
    assert fresh(back).fiscal_status == "done"


def test_sandbox_drains_the_queue(shop, clock) -> None:
    sale = tea_sale(shop, clock)
    state = process_queue(SandboxUnit(), clock=clock, max_jobs=1)
    assert (state.sent, state.waiting) == (1, 1)
    process_queue(SandboxUnit(), clock=clock)
    assert fresh(sale).fiscal_code == f"SANDBOX-{sale.uuid[:8]}"


def test_sender_thread_sends_on_notify_and_stops(shop, unit, fake, clock) -> None:
    first = tea_sale(shop, clock)
    states: queue.Queue = queue.Queue()
    sender = FiscalSender(unit, clock=clock, on_state=states.put, interval=600).start()
    try:
        state = states.get(timeout=30)
        assert (state.sent, state.waiting) == (2, 0)
        second = tea_sale(shop, clock)
        sender.notify()
        state = states.get(timeout=30)
        assert (state.sent, state.waiting) == (1, 0)
    finally:
        assert sender.stop()
    assert fake.created == [first.uuid, second.uuid]


def test_register_killed_mid_send_resends_exactly_once(backend, shop, unit, fake, clock) -> None:
    process_queue(unit, clock=clock)  # the shift is open at Checkbox
    sale = tea_sale(shop, clock)
    fake.slow_left, fake.slow_seconds = 1, 120.0  # Checkbox takes it, the answer hangs

    script = HERE / "fiscal_send_once.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), backend, fake.url, KEY, PIN],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        arrived = False
        while not arrived and proc.poll() is None:
            arrived = fake.wait_for("POST", "/receipts/sell", timeout=0.5)
        assert arrived, proc.communicate()[1]
        assert job_of(sale).status == "sending"  # committed before the unit was called
    finally:
        proc.kill()
        proc.communicate()
    assert proc.returncode < 0  # killed, not finished

    state = process_queue(unit, clock=clock)
    assert (state.sent, state.waiting) == (1, 0)
    job = job_of(sale)
    assert (job.status, job.attempts) == ("done", 2)
    assert fake.created.count(sale.uuid) == 1
    posts = [c for c in fake.calls("POST", "/receipts/sell") if c.body["id"] == sale.uuid]
    assert [c.status for c in posts] == [201, 400]
    assert fresh(sale).fiscal_code == fake.receipts[sale.uuid]["fiscal_code"]
