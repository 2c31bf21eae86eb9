"""Opening databases: URLs, SQLite pragmas, clear messages for bad files, online backup, and
immediate write transactions under several writers."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import peewee
import pytest

from torgtui import db as dbmod
from torgtui.errors import DatabaseError
from torgtui.models import Location


def test_sqlite_pragmas(sqlite_db: peewee.Database) -> None:
    pragma = lambda name: sqlite_db.execute_sql(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == 10000
    assert pragma("synchronous") == 1


def test_url_forms(tmp_path: Path) -> None:
    assert dbmod.sqlite_path(f"sqlite:///{tmp_path}/a.sqlite") == tmp_path / "a.sqlite"
    assert dbmod.sqlite_path("shop.sqlite") == Path("shop.sqlite")
    assert dbmod.sqlite_path("postgresql://u@h/db") is None
    with pytest.raises(DatabaseError, match="sqlite:///path"):
        dbmod.sqlite_path("sqlite://relative")
    with pytest.raises(DatabaseError, match="Unknown database URL"):
        dbmod.sqlite_path("mysql://x/y")
    assert dbmod.redact("postgresql://u:secret@h/db") == "postgresql://u:***@h/db"


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.sqlite"
    with pytest.raises(DatabaseError, match="does not exist.*torgtui demo"):
        dbmod.open_database(str(path))
    assert not path.exists()


def _listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_empty_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A 0-byte file given as --db (a `touch`, a failed copy) is not made into a shop."""
    path = tmp_path / "empty.sqlite"
    path.touch()
    for open_ in (dbmod.open_database, dbmod.open_and_upgrade):
        with pytest.raises(DatabaseError, match="empty file, not a torgtui database.*init"):
            open_(str(path))
    assert _listing(tmp_path) == {"empty.sqlite": b""}


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
    other.execute("INSERT INTO note (text) VALUES ('keep me')")
    other.commit()
    other.close()
    before = _listing(tmp_path)
    for open_ in (dbmod.open_database, dbmod.open_and_upgrade):
        with pytest.raises(DatabaseError, match="not a torgtui database.*another program"):
            open_(str(path))
    assert _listing(tmp_path) == before  # not switched to WAL, no table added


def test_create_may_start_a_shop_in_an_empty_file(tmp_path: Path) -> None:
    """``create=True`` (init, demo, tests) is the one way to make a shop."""
    path = tmp_path / "new.sqlite"
    path.touch()
    database = dbmod.open_and_upgrade(str(path), create=True)
    try:
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert Location.select().count() == 0
    finally:
        database.close()
    dbmod.open_and_upgrade(str(path)).close()  # a shop now: opens without create


@pytest.mark.pg
def test_empty_postgresql_database_is_refused(pg_url: str) -> None:
    with pytest.raises(DatabaseError, match="holds no torgtui shop yet.*torgtui init"):
        dbmod.open_and_upgrade(pg_url)
    database = dbmod.open_database(pg_url, create=True)
    try:
        assert database.get_tables() == []  # nothing was created by the refused open
        database.execute_sql("CREATE TABLE other_app (id INTEGER)")
    finally:
        database.close()
    with pytest.raises(DatabaseError, match="another program's tables"):
        dbmod.open_database(pg_url)


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(DatabaseError, match="not a readable torgtui database.*backup"):
        dbmod.open_and_upgrade(str(path))
    assert path.read_bytes().startswith(b"this is not")  # untouched


def test_read_only_message() -> None:
    """The message for a read-only file. (Tests run as root, which SQLite lets write any file,
    so the driver's own error text is fed in.)"""
    err = dbmod.explain(sqlite3.OperationalError("attempt to write a readonly database"), "a.db")
    assert "read-only" in err.message and "permission" in err.message


def test_locked_database_message(tmp_path: Path) -> None:
    """Another program holding a write lock longer than the busy timeout: a clear message."""
    path = tmp_path / "locked.sqlite"
    database = dbmod.open_and_upgrade(str(path), create=True)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        database.execute_sql("PRAGMA busy_timeout = 200")
        with (
            pytest.raises(DatabaseError, match="locked by another program"),
            dbmod.translated_errors(str(path)),
            dbmod.write_tx(),
        ):
            Location.create(code="L", name="Locked")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.close()


def test_write_tx_is_immediate(sqlite_db: peewee.Database) -> None:
    with dbmod.write_tx():
        # another connection cannot take the write lock while we hold it
        other = sqlite3.connect(sqlite_db.database, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_concurrent_read_then_write_never_locked(sqlite_db: peewee.Database) -> None:
    """Several writers that read, then write (the pattern a receipt commit has): with
    IMMEDIATE transactions none of them fails with "database is locked"."""
    Location.create(code="C", name="Counter: 0")
    errors: list[BaseException] = []

    def worker() -> None:
        # the proxy gives every thread its own connection, as registers in one process get
        try:
            for _ in range(25):
                with dbmod.write_tx():
                    row = Location.get(Location.code == "C")
                    n = int(row.name.split(": ")[1]) + 1
                    Location.update(name=f"Counter: {n}").where(Location.id == row.id).execute()
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)
        finally:
            sqlite_db.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Location.get(Location.code == "C").name == "Counter: 100"


def test_online_backup(sqlite_db: peewee.Database, tmp_path: Path) -> None:
    Location.create(code="B", name="Backed up")
    (tmp_path / "backups").mkdir()
    target = dbmod.backup_sqlite(Path(sqlite_db.database), tmp_path / "backups" / "copy.sqlite")
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT name FROM location WHERE code='B'").fetchone() == ("Backed up",)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
    with pytest.raises(DatabaseError, match="already exists"):
        dbmod.backup_sqlite(Path(sqlite_db.database), target)


def test_backup_into_a_missing_folder_is_refused(
    sqlite_db: peewee.Database, tmp_path: Path
) -> None:
    """A mistyped folder is named, not created."""
    folder = tmp_path / "bakups" / "2026"
    with pytest.raises(DatabaseError, match=f"folder {folder} does not exist.*Nothing was written"):
        dbmod.backup_sqlite(Path(sqlite_db.database), folder / "copy.sqlite")
    assert not (tmp_path / "bakups").exists()


def test_backup_while_writing(sqlite_db: peewee.Database, tmp_path: Path) -> None:
    """A backup taken while another connection writes is a consistent snapshot."""
    stop = threading.Event()
    path = sqlite_db.database

    def writer() -> None:
        i = 0
        while not stop.is_set():
            with dbmod.write_tx():
                Location.create(code=f"W{i}", name="w")
            i += 1
        sqlite_db.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        target = dbmod.backup_sqlite(Path(path), tmp_path / "live.sqlite")
    finally:
        stop.set()
        t.join()
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy.close()
