"""The sender against a small real gateway (tests/channels/outbox_gateway.py) and a real
database: in order and paced, retries with back-off, refusals, quiet hours, an opt-out after
the row was written, invalid addresses, polling, and exactly once under a killed sender."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from tests.channels.outbox_gateway import FileGateway
from torgtui.channels import consent
from torgtui.channels.gateway import Channel, Delivery, Outcome, SendResult, Status
from torgtui.channels.outbox import enqueue
from torgtui.channels.sender import LEASE, Sender, backoff, in_quiet_hours, resolve
from torgtui.clock import FixedClock
from torgtui.config import Settings
from torgtui.errors import ValidationError
from torgtui.models import Customer, OutboxMessage

NOON = dt.datetime(2026, 11, 22, 12, 0)
ROOT = Path(__file__).resolve().parents[2]


def customer(name: str = "Олена Коваль", phone: str | None = "+380671234567", **kw) -> Customer:
    return Customer.create(name=name, phone=phone, created_at=NOON, **kw)


def row(message_id: int) -> OutboxMessage:
    return OutboxMessage.get_by_id(message_id)


class Sleeps:
    """A fake monotonic clock that sleeping advances (the pace is checked, not waited for)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def make_sender(gateway: FileGateway, clock: FixedClock, **messages: object) -> Sender:
    settings = Settings()
    for key, value in messages.items():
        setattr(settings.messages, key, value)
    pace = Sleeps()
    sender = Sender(
        settings,
        gateways={c: gateway for c in Channel},
        clock=clock,
        sleep=pace.sleep,
        monotonic=pace.monotonic,
    )
    sender.pace = pace  # type: ignore[attr-defined]
    return sender


@pytest.fixture
def gateway(tmp_path: Path) -> FileGateway:
    return FileGateway(tmp_path / "service.jsonl")


def test_sends_in_order_paced_and_stores_the_gateway_id(db: peewee.Database, gateway) -> None:
    clock = FixedClock(NOON)
    c = customer()
    ids = [enqueue(c.id, "note", f"n:{i}", text=f"Hello {i}", now=NOON) for i in range(5)]
    sender = make_sender(gateway, clock, rate_per_second=10, sms_sender="Квітка")
    run = sender.run_once()
    assert (run.accepted, run.handled) == (5, 5)
    assert [m["ref"] for m in gateway.carried()] == ids
    assert {m["to"] for m in gateway.carried()} == {"380671234567"}
    assert {m["sender"] for m in gateway.carried()} == {"Квітка"}
    first = row(ids[0])
    assert (first.status, first.via, first.gateway, first.attempts) == (
        "accepted",
        "sms",
        "filegw",
        1,
    )
    assert first.gateway_id == gateway.carried()[0]["id"] and first.cost == 120
    assert first.accepted_at == NOON
    # 10 per second: four gaps of 0.1 s between five sends
    assert sender.pace.slept == pytest.approx([0.1] * 4)  # type: ignore[attr-defined]
    assert sender.run_once().handled == 0  # nothing twice


def test_retry_backs_off_then_gives_up(db: peewee.Database, tmp_path: Path) -> None:
    flaky = SendResult(Outcome.RETRY, error="TurboSMS answered 503: try later")
    gateway = FileGateway(tmp_path / "s.jsonl", script=[flaky, flaky])
    clock = FixedClock(NOON)
    c = customer()
    mid = enqueue(c.id, "note", "n:1", text="Hi", now=NOON)
    sender = make_sender(gateway, clock, max_attempts=3)
    assert sender.run_once().retried == 1
    first = row(mid)
    assert (first.status, first.attempts, first.claim) == ("pending", 1, "")
    assert (
        first.next_try_at == NOON + dt.timedelta(seconds=backoff(1)) and "503" in first.last_error
    )
    assert sender.run_once().handled == 0  # not before its time
    clock.advance(seconds=30)
    assert sender.run_once().retried == 1
    assert row(mid).next_try_at == clock() + dt.timedelta(seconds=60)  # doubled
    clock.advance(seconds=60)
    assert sender.run_once().accepted == 1  # the third try gets through
    assert (row(mid).status, row(mid).attempts) == ("accepted", 3)
    assert len(gateway.carried()) == 1
    assert [backoff(n) for n in (1, 2, 3, 20)] == [30, 60, 120, 3600]

    # a gateway that keeps failing: given up after max_attempts, with the reason
    gateway.script = [flaky] * 5
    other = enqueue(c.id, "note", "n:2", text="Hi", now=clock())
    for _ in range(3):
        sender.run_once()
        clock.advance(hours=1)
    gone = row(other)
    assert (gone.status, gone.attempts) == ("failed", 3)
    assert "Gave up after 3 attempts" in gone.last_error


def test_rejected_stops_with_the_error(db: peewee.Database, tmp_path: Path) -> None:
    no = SendResult(Outcome.REJECTED, error="TurboSMS: not enough money on the account")
    gateway = FileGateway(tmp_path / "s.jsonl", script=[no])
    clock = FixedClock(NOON)
    mid = enqueue(customer().id, "note", "n:1", text="Hi", now=NOON)
    sender = make_sender(gateway, clock)
    assert sender.run_once().rejected == 1
    clock.advance(days=1)
    assert sender.run_once().handled == 0
    r = row(mid)
    assert (r.status, r.last_error, r.attempts) == ("rejected", no.error, 1)
    assert gateway.carried() == [] and gateway.calls == 1


def test_quiet_hours_hold_marketing_not_codes(db: peewee.Database, gateway, staff) -> None:
    assert in_quiet_hours(dt.datetime(2026, 1, 1, 22, 0), "21:00", "09:00")
    assert in_quiet_hours(dt.datetime(2026, 1, 1, 8, 59), "21:00", "09:00")
    assert not in_quiet_hours(dt.datetime(2026, 1, 1, 9, 0), "21:00", "09:00")
    assert not in_quiet_hours(dt.datetime(2026, 1, 1, 3, 0), "00:00", "00:00")
    late = dt.datetime(2026, 11, 22, 22, 30)
    clock = FixedClock(late)
    c = customer()
    consent.set_consent(c.id, "sms", True, how="card", by=staff["manager"], now=late)
    offer = enqueue(
        c.id, "mailing", "m:1:1:sms", channel="sms", text="-20%", marketing=True, now=late
    )
    code = enqueue(c.id, "code", "code:1", channel="sms", text="Code 4321", now=late)
    sender = make_sender(gateway, clock)
    run = sender.run_once()
    assert run.accepted == 1 and row(code).status == "accepted"
    assert row(offer).status == "pending"
    clock.now = dt.datetime(2026, 11, 23, 9, 0)
    assert sender.run_once().accepted == 1 and row(offer).status == "accepted"
    assert [m["text"] for m in gateway.carried()] == ["Code 4321", "-20%"]


def test_opt_out_after_enqueue_is_respected_at_send(db: peewee.Database, gateway, staff) -> None:
    clock = FixedClock(NOON)
    c = customer()
    consent.set_consent(c.id, "sms", True, how="questionnaire", by=staff["manager"], now=NOON)
    mid = enqueue(
        c.id, "mailing", "m:1:c:sms", channel="sms", text="Sale", marketing=True, now=NOON
    )
    assert row(mid).status == "pending"
    consent.opt_out(c.id, "phoned: no more adverts", by=staff["manager"], now=NOON)
    svc = enqueue(c.id, "preorder_arrived", "p:1", text="Your order is here", now=NOON)
    run = make_sender(gateway, clock).run_once()
    assert (run.suppressed, run.accepted) == (1, 1)
    r = row(mid)
    assert r.status == "suppressed" and "phoned: no more adverts" in r.reason
    assert [m["ref"] for m in gateway.carried()] == [svc]  # the service message still went


def test_invalid_addresses_are_skipped_and_counted(db: peewee.Database, gateway) -> None:
    clock = FixedClock(NOON)
    bad_phone = customer("Bad Phone", phone="+38012")
    no_phone = customer("No Phone", phone=None)
    bad_mail = customer("Bad Mail", phone=None, email="not-an-address")
    erased = customer("Erased", status="erased")
    good = customer("Good")
    ids = [
        enqueue(bad_phone.id, "note", "a", channel="sms", text="x", now=NOON),
        enqueue(no_phone.id, "note", "b", channel="sms", text="x", now=NOON),
        enqueue(bad_mail.id, "note", "c", channel="email", text="x", now=NOON),
        enqueue(erased.id, "note", "d", text="x", now=NOON),
        enqueue(None, "note", "e", channel="email", to="a@@b", text="x", now=NOON),
        enqueue(good.id, "note", "f", text="x", now=NOON),
    ]
    run = make_sender(gateway, clock).run_once()
    assert (run.skipped, run.accepted) == (5, 1)
    assert [row(i).status for i in ids] == ["skipped"] * 5 + ["accepted"]
    assert "Not a valid phone" in row(ids[0]).reason
    assert row(ids[1]).reason == "No phone on the card"
    assert "Not an e-mail address" in row(ids[2]).reason
    assert [m["ref"] for m in gateway.carried()] == [ids[-1]]


def test_a_row_without_text_waits_for_its_template(db: peewee.Database, gateway) -> None:
    """No text and no template to render it from: it waits, says why, and does not block the
    rows after it (never a made-up text)."""
    clock = FixedClock(NOON)
    c = customer()
    waiting = enqueue(c.id, "no_such_kind", "w:1", now=NOON)
    ready = enqueue(c.id, "note", "r:1", text="Ready", now=NOON)
    run = make_sender(gateway, clock).run_once()
    assert (run.waiting, run.accepted) == (1, 1)
    r = row(waiting)
    assert r.status == "pending" and r.reason and r.next_try_at > NOON
    assert [m["ref"] for m in gateway.carried()] == [ready]


def test_poll_stores_delivery_read_and_click(db: peewee.Database, gateway) -> None:
    clock = FixedClock(NOON)
    c = customer()
    ids = [
        enqueue(c.id, "note", f"n:{i}", channel=ch, text="Hi", now=NOON)
        for i, ch in enumerate(["sms", "viber", "sms", "sms"])
    ]
    sender = make_sender(gateway, clock)
    sender.run_once()
    gid = {i: row(i).gateway_id for i in ids}
    gateway.statuses = {
        gid[ids[0]]: Status(Delivery.DELIVERED, at="2026-11-22T12:01:00"),
        gid[ids[1]]: Status(Delivery.READ, at="2026-11-22T12:02:00"),
        gid[ids[2]]: Status(Delivery.FAILED, error="Phone switched off for 24 hours"),
    }
    clock.advance(minutes=10)
    out = sender.poll()
    assert (out.asked, out.delivered, out.read, out.failed) == (4, 1, 1, 1)
    assert (row(ids[0]).status, row(ids[0]).delivery_at) == (
        "delivered",
        dt.datetime(2026, 11, 22, 12, 1),
    )
    viber = row(ids[1])
    assert (viber.status, viber.delivery, viber.read_at) == (
        "delivered",
        "read",
        dt.datetime(2026, 11, 22, 12, 2),
    )
    assert (row(ids[2]).status, row(ids[2]).reason) == ("failed", "Phone switched off for 24 hours")
    assert row(ids[3]).status == "accepted"  # the service knows nothing yet
    # the Viber message is asked again (for a click); the delivered SMS is final
    gateway.statuses[gid[ids[1]]] = Status(Delivery.CLICKED, at="2026-11-22T12:20:00")
    gateway.polled.clear()
    out = sender.poll()
    assert sorted(i for ids_asked in gateway.polled for i in ids_asked) == sorted(
        [gid[ids[1]], gid[ids[3]]]
    )
    assert out.clicked == 1 and row(ids[1]).clicked_at == dt.datetime(2026, 11, 22, 12, 20)


def _kill_mid_send(backend: str, tmp_path: Path, dedupes: bool) -> tuple[Path, subprocess.Popen]:
    service, flag = tmp_path / "service.jsonl", tmp_path / "accepted.flag"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.channels.outbox_send_once",
            backend,
            str(service),
            str(flag),
            "1" if dedupes else "0",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists(), proc.communicate(timeout=5)[1]
        os.kill(proc.pid, signal.SIGKILL)  # the service took it; the outbox did not hear
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return service, proc


@pytest.mark.parametrize("dedupes", [False, True], ids=["no-ref", "ref-dedupe"])
def test_killed_between_acceptance_and_store_never_sends_twice(
    db: peewee.Database, backend: str, tmp_path: Path, dedupes: bool, staff
) -> None:
    c = customer()
    mid = enqueue(c.id, "note", "n:1", text="Your order is here", now=NOON)
    later = enqueue(c.id, "note", "n:2", text="And another", now=NOON)
    service, _proc = _kill_mid_send(backend, tmp_path, dedupes)
    assert [m["ref"] for m in FileGateway(service).carried()] == [mid]
    r = row(mid)
    assert (r.status, r.attempts, r.gateway_id) == ("sending", 1, "")  # claimed, never stored

    gateway = FileGateway(service, dedupes_ref=dedupes)
    clock = FixedClock(NOON + dt.timedelta(seconds=30))
    sender = make_sender(gateway, clock)
    run = sender.run_once()  # a live sender may still be asking: within the lease, left alone
    assert (run.unknown, run.recovered, row(mid).status) == (0, 0, "sending")
    assert row(later).status == "accepted"
    clock.advance(seconds=LEASE.total_seconds())
    run = sender.run_once()
    carried = [m["ref"] for m in gateway.carried()]
    assert carried.count(mid) == 1  # never twice
    r = row(mid)
    if dedupes:
        # resent by the same ref: the service recognised it and answered with its first id
        assert (run.recovered, run.accepted) == (1, 1)
        assert (r.status, r.attempts) == ("accepted", 2)
        assert r.gateway_id == gateway.carried()[0]["id"]
    else:
        # nobody can tell whether it went: the owner checks, nothing is resent by itself
        assert (run.unknown, r.status) == (1, "unknown")
        assert "check" in r.reason
        clock.advance(hours=1)
        assert sender.run_once().handled == 0 and row(mid).status == "unknown"
        resolve(mid, sent=True, by=staff["owner"], now=clock())
        assert row(mid).status == "accepted"
        with pytest.raises(ValidationError):
            resolve(mid, sent=False, by=staff["owner"], now=clock())
        assert [m["ref"] for m in gateway.carried()].count(mid) == 1
