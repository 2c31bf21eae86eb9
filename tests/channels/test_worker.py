"""The app's background sender: sends what is due from its own thread and connection, keeps
going after a problem (said once), stops when asked; and the app starts and stops it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import peewee
import pytest

from tests.channels.outbox_gateway import FileGateway
from torgtui.channels.gateway import Channel
from torgtui.channels.outbox import enqueue
from torgtui.channels.sender import Sender
from torgtui.channels.worker import MessageWorker
from torgtui.clock import FixedClock
from torgtui.config import Settings
from torgtui.models import Customer, OutboxMessage

NOW = dt.datetime(2026, 11, 22, 12, 0)


def wait_for(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_worker_sends_in_its_thread_and_stops(sqlite_db: peewee.Database, tmp_path: Path) -> None:
    gateway = FileGateway(tmp_path / "service.jsonl")
    c = Customer.create(name="Оля", phone="+380671234567", created_at=NOW)
    first = enqueue(c.id, "note", "w:1", text="Hi", now=NOW)
    threads: list[str] = []
    problems: list[str] = []
    calls = [0]

    def factory() -> Sender:
        threads.append(threading.current_thread().name)
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("database is locked")  # an outage: said once, tried again
        return Sender(Settings(), gateways={ch: gateway for ch in Channel}, clock=FixedClock(NOW))

    worker = MessageWorker(
        Settings(), every=0.05, on_problem=problems.append, sender_factory=factory
    )
    worker.start()
    try:
        assert wait_for(lambda: [m["ref"] for m in gateway.carried()] == [first])
        later = enqueue(c.id, "note", "w:2", text="Again", now=NOW)  # while it runs
        assert wait_for(lambda: len(gateway.carried()) == 2)
    finally:
        assert worker.stop(timeout=10)
    assert threads and set(threads) == {"torgtui-messages"}
    assert problems == ["RuntimeError: database is locked"]
    assert OutboxMessage.get_by_id(later).status == "accepted"
    assert [m["ref"] for m in gateway.carried()] == [first, later]


@pytest.mark.asyncio
async def test_the_app_starts_the_sender_and_stops_it_on_exit(tmp_path, sqlite_db) -> None:
    from tests.ui.helpers import make_settings
    from torgtui.app import TorgApp

    url = str(tmp_path / "shop.sqlite")
    app = TorgApp(make_settings(tmp_path, url), clock=FixedClock(NOW))
    async with app.run_test():
        worker = app.message_worker
        assert worker is not None and worker._thread.is_alive()
    assert not worker._thread.is_alive()
    quiet = TorgApp(
        make_settings(
            tmp_path, url, **{"messages.sms_gateway": "none", "messages.email_gateway": "none"}
        ),
        clock=FixedClock(NOW),
    )
    async with quiet.run_test():
        assert quiet.message_worker is None
