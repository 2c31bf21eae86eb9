"""The SQLite write lock: writers of one file queue in the kernel (threads and processes), no
write is lost, a killed holder frees it, and waiting for it is bounded and explained."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from torgtui import db as dbmod
from torgtui import sqlite_writers
from torgtui.errors import DatabaseError
from torgtui.models import Location

ROOT = Path(__file__).resolve().parents[2]

COUNTER = """
import sys, threading
from torgtui import db
from torgtui.models import Location

db.open_database(sys.argv[1])

def bump(times):
    for _ in range(times):
        with db.write_tx():
            row = Location.get(Location.code == "C")
            n = int(row.name.split(": ")[1]) + 1
            Location.update(name=f"Counter: {n}").where(Location.id == row.id).execute()
    db.database.close()

threads = [threading.Thread(target=bump, args=(int(sys.argv[2]),)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
"""

HOLDER = """
import sys, time
from torgtui import db
from torgtui.models import Location

db.open_database(sys.argv[1])
with db.write_tx():
    Location.create(code="H", name="held")
    print("holding", flush=True)
    time.sleep(120)
"""


def spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def holder(sqlite_db: peewee.Database) -> Iterator[subprocess.Popen[str]]:
    """Another register process inside write_tx, holding the lock until it is killed."""
    proc = spawn(HOLDER, sqlite_db.database)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == "holding\n", proc.stderr.read() if proc.stderr else ""
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


def test_lock_file_sits_beside_the_database_with_its_permissions(
    sqlite_db: peewee.Database,
) -> None:
    path = Path(sqlite_db.database)
    os.chmod(path, 0o660)  # a shop shared by a group of cashiers' accounts
    lock_path = path.with_name(path.name + "-writelock")
    lock_path.unlink(missing_ok=True)
    with dbmod.write_tx():
        Location.create(code="P", name="perm")
    assert stat.S_IMODE(lock_path.stat().st_mode) == 0o660


def test_two_processes_of_two_threads_lose_no_write(sqlite_db: peewee.Database) -> None:
    """Read, then write, in four writers at once (two processes x two threads), while this
    process writes too: every increment lands."""
    Location.create(code="C", name="Counter: 0")
    procs = [spawn(COUNTER, sqlite_db.database, "40") for _ in range(2)]
    for _ in range(20):
        with dbmod.write_tx():
            row = Location.get(Location.code == "C")
            n = int(row.name.split(": ")[1]) + 1
            Location.update(name=f"Counter: {n}").where(Location.id == row.id).execute()
    for proc in procs:
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert Location.get(Location.code == "C").name == "Counter: 180"


def test_nested_write_is_a_savepoint_inside_the_lock(sqlite_db: peewee.Database) -> None:
    with dbmod.write_tx():
        Location.create(code="O", name="outer")
        with pytest.raises(RuntimeError), dbmod.write_tx():
            Location.create(code="I", name="inner")
            raise RuntimeError("undo the inner part only")
        with dbmod.write_tx():
            Location.create(code="J", name="inner, kept")
    assert sorted(loc.code for loc in Location.select()) == ["J", "O"]


def test_a_killed_holder_frees_the_lock(
    sqlite_db: peewee.Database, holder: subprocess.Popen[str]
) -> None:
    """The kernel drops a dead process's flock (and SQLite's locks): the waiter goes on."""
    done = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            with dbmod.write_tx():
                Location.create(code="W", name="after the crash")
            done.set()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            sqlite_db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert not done.wait(0.5)  # queued behind the holder
    killed = time.monotonic()
    holder.send_signal(signal.SIGKILL)
    assert done.wait(5), errors
    assert time.monotonic() - killed < 2
    thread.join()
    assert [loc.code for loc in Location.select()] == ["W"]  # the holder's row never committed


def test_waiting_too_long_is_explained_and_leaves_nothing_behind(
    sqlite_db: peewee.Database, holder: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dbmod, "WRITE_LOCK_TIMEOUT_S", 0.3)
    started = time.monotonic()
    with (
        pytest.raises(DatabaseError, match="locked by another program"),
        dbmod.translated_errors(sqlite_db.database),
        dbmod.write_tx(),
    ):
        Location.create(code="X", name="never")
    assert 0.25 < time.monotonic() - started < 2
    holder.kill()
    holder.wait()
    # the request given up on does not keep the lock once the holder is gone
    with dbmod.write_tx():
        Location.create(code="Y", name="later")
    assert [loc.code for loc in Location.select()] == ["Y"]


def test_another_thread_waits_for_the_thread_holding_it(sqlite_db: peewee.Database) -> None:
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with dbmod.write_tx():
            order.append("second")
        sqlite_db.close()

    thread = threading.Thread(target=second)
    thread.start()
    with dbmod.write_tx():
        inside.set()
        time.sleep(0.2)
        order.append("first")
    thread.join()
    assert order == ["first", "second"]


def test_without_fcntl_writes_still_work(
    sqlite_db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows has no flock: the thread lock and SQLite's busy handler order the writers."""
    monkeypatch.setattr(sqlite_writers, "fcntl", None)
    monkeypatch.setattr(sqlite_writers, "_LOCKS", {})
    lock = sqlite_writers.lock_for(sqlite_db.database)
    assert lock is not None and not lock._use_flock
    Location.create(code="C", name="Counter: 0")

    def bump() -> None:
        for _ in range(20):
            with dbmod.write_tx():
                row = Location.get(Location.code == "C")
                n = int(row.name.split(": ")[1]) + 1
                Location.update(name=f"Counter: {n}").where(Location.id == row.id).execute()
        sqlite_db.close()

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Location.get(Location.code == "C").name == "Counter: 60"
