"""The WAL checkpointer: checkpoints leave the commit path for a background thread, the log is
still copied back and cut short, and a register's connections keep only a backstop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import peewee
import pytest

from torgtui import db as dbmod
from torgtui import sqlite_writers
from torgtui.models import Location


@pytest.fixture
def checkpointer(sqlite_db: peewee.Database) -> Iterator[sqlite_writers.Checkpointer]:
    cp = dbmod.start_checkpointer(sqlite_db, interval=0.02, idle=0.3)
    assert isinstance(cp, sqlite_writers.Checkpointer)
    yield cp
    cp.stop()


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def wal(database: peewee.Database) -> Path:
    return Path(database.database + "-wal")


def autocheckpoint(database: peewee.Database) -> int:
    return database.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0]


def test_register_connections_keep_only_a_backstop(
    sqlite_db: peewee.Database, checkpointer: sqlite_writers.Checkpointer
) -> None:
    assert autocheckpoint(sqlite_db) == sqlite_writers.BACKSTOP_PAGES
    seen: list[int] = []

    def other_thread() -> None:  # a worker's own connection, opened later
        seen.append(autocheckpoint(sqlite_db))
        sqlite_db.close()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert seen == [sqlite_writers.BACKSTOP_PAGES]
    assert dbmod.start_checkpointer(sqlite_db) is checkpointer  # one per file and process


def test_commits_are_checkpointed_in_the_background_then_the_log_cut(
    sqlite_db: peewee.Database, checkpointer: sqlite_writers.Checkpointer
) -> None:
    for i in range(50):
        with dbmod.write_tx():
            Location.create(code=f"L{i}", name="x" * 500)
    assert wal(sqlite_db).stat().st_size > 0
    assert wait_for(lambda: checkpointer.passive_runs > 0)
    # idle for 0.3 s: truncated to nothing, and every row is in the database file itself
    assert wait_for(lambda: checkpointer.truncations >= 1)
    assert wal(sqlite_db).stat().st_size == 0
    assert Location.select().count() == 50


def test_stopping_truncates_the_log(sqlite_db: peewee.Database) -> None:
    cp = dbmod.start_checkpointer(sqlite_db, interval=10, idle=100)
    assert isinstance(cp, sqlite_writers.Checkpointer)
    with dbmod.write_tx():
        Location.create(code="S", name="stop")
    assert wal(sqlite_db).stat().st_size > 0
    cp.stop()
    assert not cp.running
    assert wal(sqlite_db).stat().st_size == 0


def test_a_reader_does_not_stop_writers_or_the_next_checkpoint(
    sqlite_db: peewee.Database, checkpointer: sqlite_writers.Checkpointer
) -> None:
    """An open read transaction holds back how far the log is copied, not the commits."""
    import sqlite3

    reader = sqlite3.connect(sqlite_db.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM location").fetchone()
    try:
        for i in range(20):
            with dbmod.write_tx():
                Location.create(code=f"R{i}", name="r")
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert wait_for(lambda: wal(sqlite_db).stat().st_size == 0)
    assert Location.select().count() == 20


@pytest.mark.pg
def test_postgresql_needs_no_checkpointer(pg_url: str) -> None:
    database = dbmod.open_database(pg_url, create=True)
    try:
        assert dbmod.start_checkpointer(database) is None
    finally:
        database.close()
