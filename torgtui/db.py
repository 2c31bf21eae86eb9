"""The database: one Peewee proxy, opened on SQLite (default) or PostgreSQL, and its migrations.

* ``open_database(url)`` takes a file path or a URL (``sqlite:///path``, ``postgresql://...``),
  binds :data:`database` and returns the concrete database. It opens only a torgtui database:
  a missing file, an empty one, or another program's database is refused unless the caller
  creates a shop (``create=True``: ``init``, ``demo`` and tests), so a mistyped ``--db`` is
  never turned into a shop.
* SQLite runs in WAL with foreign keys, a busy timeout and ``synchronous=NORMAL``. Every write
  goes through :func:`write_tx`, which on SQLite is ``BEGIN IMMEDIATE``: a deferred transaction
  that reads and then writes fails with "database is locked" when another register writes in
  between, whatever the busy timeout; an immediate one waits its turn instead.
* Waiting one's turn is fair: before ``BEGIN IMMEDIATE`` :func:`write_tx` takes a write lock
  that queues the writers of the file in the kernel (a thread lock, then ``flock`` on
  ``<file>-writelock``), because SQLite's own busy handler sleeps and retries, and a register
  committing back to back kept winning while another waited 1-2 s. The lock is taken only at
  depth 0, before SQLite's, so it cannot deadlock; see :mod:`torgtui.sqlite_writers`.
* Checkpoints (copying the WAL back into the file, with an fsync) are moved off the commit
  path: a long-running process calls :func:`start_checkpointer` once after opening, which runs
  them in a daemon thread on its own connection (PASSIVE soon after commits, TRUNCATE when idle
  and at exit) and leaves the register's connections a high ``wal_autocheckpoint`` only as a
  backstop, so the log stays bounded even if that thread stalls. One-shot commands need
  nothing: their connections keep SQLite's default and checkpoint on the last close.
* The schema is versioned by the numbered modules in ``torgtui/migrations``; see ``migrate``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import peewee

from torgtui.errors import DatabaseError
from torgtui.i18n import _

if TYPE_CHECKING:
    from torgtui.sqlite_writers import Checkpointer

database = peewee.DatabaseProxy()

BUSY_TIMEOUT_S = 10.0

SQLITE_PRAGMAS = {
    "foreign_keys": 1,
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
    "synchronous": 1,  # NORMAL: durable across an app crash; WAL keeps it consistent on power loss
    "cache_size": -16000,  # 16 MB page cache
    "temp_store": 2,  # MEMORY
    "journal_size_limit": 32 * 1024 * 1024,  # a WAL reset cuts a longer log back to 32 MB
}
WRITE_LOCK_TIMEOUT_S = BUSY_TIMEOUT_S  # then write_tx fails with "database is locked"


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL or plain path; None for PostgreSQL."""
    if is_postgres_url(url):
        return None
    if url.startswith("sqlite:///"):  # sqlite:///relative or sqlite:////absolute
        return Path(unquote(url[len("sqlite:///") :]))
    if url.startswith("sqlite://"):
        raise DatabaseError(
            _("{url!r} is not a SQLite URL: write sqlite:///path/to/file.sqlite").format(url=url)
        )
    if "://" in url:
        raise DatabaseError(
            _(
                "Unknown database URL {url!r}: give a file path, sqlite:///path "
                "or postgresql://user@host/dbname"
            ).format(url=url)
        )
    return Path(url).expanduser()


def make_database(url: str, *, create: bool = False) -> peewee.Database:
    """A concrete, unconnected database for ``url`` (``create``: it may be a new shop)."""
    if is_postgres_url(url):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise DatabaseError(
                _("PostgreSQL needs its driver: pip install 'torgtui[pg]'")
            ) from None
        return peewee.PostgresqlDatabase(url, prefer_psycopg3=True)
    path = sqlite_path(url)
    assert path is not None
    db = RegisterSqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT_S)
    db.may_create = create
    return db


class RegisterSqliteDatabase(peewee.SqliteDatabase):
    """SQLite that switches a file to WAL only when it is not WAL yet, and only a torgtui file.

    ``PRAGMA journal_mode=wal`` needs an exclusive lock even when it changes nothing, and it
    does not wait on the busy timeout: issued by every new connection it fails with "database
    is locked" while another register writes. WAL is persistent, so once per file is enough.
    It also rewrites the file's header, so a file that holds no torgtui schema (an empty file,
    another program's database) is left as it is unless ``may_create``; ``open_database`` then
    refuses it.
    """

    may_create = False
    wal_autocheckpoint: int | None = None  # set by start_checkpointer: a backstop only

    def _set_pragmas(self, conn: sqlite3.Connection) -> None:
        super()._set_pragmas(conn)
        if self.wal_autocheckpoint is not None:
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(self.wal_autocheckpoint)}")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            ours = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
            ).fetchone()
            if ours or self.may_create:
                conn.execute("PRAGMA journal_mode=wal")


def open_database(url: str, *, create: bool = False) -> peewee.Database:
    """Open ``url``, bind the proxy to it and check the connection works.

    A SQLite file that does not exist is an error unless ``create``: starting a register on a
    mistyped path must not silently make an empty shop.
    """
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            raise DatabaseError(
                _(
                    "Database file {path} does not exist. Build a demo shop with "
                    "`torgtui demo --db {path}` or an empty one with `torgtui init --db {path}`."
                ).format(path=path)
            )
        if create and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    db = make_database(url, create=create)
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        db.execute_sql("SELECT 1").fetchone()
        if not create:
            refuse_foreign(db, url)
    except peewee.DatabaseError as exc:
        with contextlib.suppress(Exception):
            db.close()
        raise explain(exc, url) from None
    except DatabaseError:
        with contextlib.suppress(Exception):
            db.close()
        raise
    return db


def refuse_foreign(db: peewee.Database, url: str) -> None:
    """Refuse a database with no torgtui schema (version 0): an empty file or database, or
    another program's. Only ``init`` and ``demo`` make a shop (``open_database(create=True)``)."""
    from torgtui import migrations

    if migrations.current_version(db) > 0:
        return
    path = sqlite_path(url)
    where = str(path or redact(url))
    if db.get_tables():
        msg = _(
            "{where} is not a torgtui database: it holds another program's tables. It was left "
            "as it is. Check the database setting (--db, TORGTUI_DB or the settings file)."
        )
    elif path is not None:
        msg = _(
            "{where} is an empty file, not a torgtui database; it was left as it is. Check the "
            "database setting (--db, TORGTUI_DB or the settings file), or delete the empty "
            "file and make a shop with `torgtui init --db {where}` or `torgtui demo --db {where}`."
        )
    else:
        msg = _(
            "{where} holds no torgtui shop yet. Make one with `torgtui init --db {where}` or "
            "`torgtui demo --db {where}`, or check the database setting."
        )
    raise DatabaseError(msg.format(where=where))


def explain(exc: BaseException, url: str) -> DatabaseError:
    """Turn a driver error into a message that says what to do."""
    text = str(exc)
    low = text.lower()
    where = str(sqlite_path(url) or redact(url))
    if "file is not a database" in low or "malformed" in low or "not a database" in low:
        msg = _(
            "{where} is not a readable torgtui database (damaged or another kind of file). "
            "Restore the latest backup (the *.bak files beside it) or choose another file."
        )
    elif "readonly" in low or "read-only" in low:
        msg = _(
            "{where} is read-only: give this user write permission on the file and its folder, "
            "or open a copy."
        )
    elif "locked" in low or "busy" in low:
        msg = _(
            "{where} is locked by another program for too long. Close the program holding it "
            "(another torgtui, a database browser) and try again."
        )
    elif "unable to open" in low:
        msg = _("Cannot open {where}: check that the folder exists and is writable.")
    elif "could not connect" in low or "connection refused" in low or "connection failed" in low:
        msg = _("Cannot connect to the PostgreSQL server at {where}: is it running? ({detail})")
    else:
        msg = _("Database error on {where}: {detail}")
    return DatabaseError(msg.format(where=where, detail=text))


def redact(url: str) -> str:
    """A URL without its password, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


def is_sqlite(db: peewee.Database | peewee.DatabaseProxy | None = None) -> bool:
    target = db if db is not None else database
    if isinstance(target, peewee.DatabaseProxy):
        target = target.obj
    return isinstance(target, peewee.SqliteDatabase)


def write_tx() -> peewee._callable_context_manager:
    """A write transaction: on SQLite the write lock, then ``BEGIN IMMEDIATE`` (see the module
    doc); plain on PostgreSQL. Nested calls become savepoints of the outer transaction."""
    if is_sqlite() and database.transaction_depth() == 0:
        return _LockedWrite(database.obj)
    return database.atomic()


class _LockedWrite(peewee._callable_context_manager):
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` inside the file's write lock (SQLite, depth 0)."""

    def __init__(self, db: peewee.SqliteDatabase) -> None:
        self.db = db

    def __enter__(self) -> peewee._transaction:
        from torgtui import sqlite_writers

        conn = self.db._state.conn
        busy = self.db.transaction_depth() > 0 or (conn is not None and conn.in_transaction)
        # never wait for the lock while this connection may hold SQLite's (a raw BEGIN)
        self.lock = None if busy else sqlite_writers.lock_for(self.db.database)
        if self.lock is not None:
            try:
                self.lock.acquire(WRITE_LOCK_TIMEOUT_S)
            except sqlite_writers.WriteLockTimeout as exc:
                raise peewee.OperationalError(str(exc)) from None
        try:
            self.tx = self.db.atomic("IMMEDIATE")
            return self.tx.__enter__()
        except BaseException:
            self._release()
            raise

    def __exit__(self, exc_type, exc, tb) -> bool | None:
        try:
            return self.tx.__exit__(exc_type, exc, tb)
        finally:
            self._release()

    def _release(self) -> None:
        if self.lock is not None:
            lock, self.lock = self.lock, None
            lock.release()


def start_checkpointer(
    db: peewee.Database | None = None, *, interval: float = 0.1, idle: float = 30.0
) -> Checkpointer | None:
    """Run this process's WAL checkpoints in a background thread (see the module doc).

    Call it once in a long-running process (the register app), right after opening the
    database and before starting worker threads; it returns the checkpointer (a second call
    returns the same one), or None on PostgreSQL or an in-memory database. It stops itself,
    truncating the log, when the process exits; ``.stop()`` does it sooner.
    """
    from torgtui import sqlite_writers

    target = db if db is not None else database.obj
    if (
        not isinstance(target, peewee.SqliteDatabase)
        or sqlite_writers.lock_for(target.database) is None
    ):
        return None
    checkpointer = sqlite_writers.start_checkpointer(
        Path(target.database), interval=interval, idle=idle
    )
    if isinstance(target, RegisterSqliteDatabase):
        target.wal_autocheckpoint = sqlite_writers.BACKSTOP_PAGES
        if not target.is_closed():  # this thread's connection; others get it when they open
            target.execute_sql(f"PRAGMA wal_autocheckpoint = {sqlite_writers.BACKSTOP_PAGES}")
    return checkpointer


@contextlib.contextmanager
def translated_errors(url: str) -> Iterator[None]:
    """Re-raise driver errors as :class:`DatabaseError` with a message a person can act on."""
    try:
        yield
    except (peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        raise explain(exc, url) from None


def backup_sqlite(source: Path, target: Path) -> Path:
    """Copy a live SQLite file with the online backup API (safe while registers sell).

    The folder must exist: a mistyped folder is refused rather than created."""
    if target.exists():
        raise DatabaseError(
            _("{target} already exists: choose a new file name for the backup").format(
                target=target
            )
        )
    folder = target.parent
    if not folder.is_dir():
        raise DatabaseError(
            _(
                "The folder {folder} does not exist: create it first, or give a backup file in "
                "an existing folder. Nothing was written."
            ).format(folder=folder)
        )
    tmp = target.with_name(target.name + ".part")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst, pages=1024)
        finally:
            dst.close()
        os.replace(tmp, target)
    except sqlite3.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise explain(exc, str(source)) from None
    finally:
        src.close()
    return target


def check_version(db: peewee.Database) -> tuple[int, int]:
    """(database version, code version); refuses a database newer than this program."""
    from torgtui import migrations

    have, know = migrations.current_version(db), migrations.latest_version()
    if have > know:
        raise DatabaseError(
            _(
                "This database was written by a newer torgtui (schema version {have}; this "
                "program knows up to {know}). Update torgtui on this register; do not open the "
                "database with the old version."
            ).format(have=have, know=know)
        )
    return have, know


def upgrade(
    db: peewee.Database,
    url: str,
    *,
    now: dt.datetime | None = None,
    target: int | None = None,
    backup: bool = True,
) -> list[int]:
    """Apply pending migrations (up to ``target``); back up a SQLite file first.

    Returns the versions applied. A failing migration rolls back whole, leaving the database at
    the last good version, and the backup beside it.
    """
    from torgtui import migrations

    now = now or dt.datetime.now()
    have, know = check_version(db)
    pending = [m for m in migrations.all_migrations() if have < m.version <= (target or know)]
    if not pending:
        return []
    path = sqlite_path(url)
    if backup and path is not None and have > 0:
        stamp = now.strftime("%Y%m%d-%H%M%S")
        backup_sqlite(path, path.with_name(f"{path.name}.bak-v{have}-{stamp}"))
    applied = []
    with translated_errors(url):
        for migration in pending:
            migrations.apply(db, migration, now)
            applied.append(migration.version)
    return applied


def open_and_upgrade(url: str, *, create: bool = False) -> peewee.Database:
    """Open ``url`` and bring its schema up to date (the start of every command)."""
    db = open_database(url, create=create)
    with translated_errors(url):
        upgrade(db, url)
    return db


def sql(statement: str) -> str:
    """``statement`` written with ``?`` placeholders, in the bound database's style."""
    return statement if is_sqlite() else statement.replace("?", "%s")


def insert_rows(
    table: str, columns: list[str], rows: list[tuple], *, ids: bool = False
) -> list[int]:
    """Insert ``rows`` with one prepared statement (the hot paths: peewee's query building
    costs more than SQLite's work there). Returns the new ids, in order, when ``ids``.

    On SQLite the statement is executed row by row (cached by the driver) and ``lastrowid``
    read; on PostgreSQL a single multi-row ``INSERT ... RETURNING id``.
    """
    if not rows:
        return []
    cols = ", ".join(f'"{c}"' for c in columns)
    one = "(" + ", ".join("?" * len(columns)) + ")"
    if is_sqlite():
        cursor = database.cursor()
        statement = f'INSERT INTO "{table}" ({cols}) VALUES {one}'
        if not ids:
            cursor.executemany(statement, rows)
            return []
        out = []
        for row in rows:
            cursor.execute(statement, row)
            out.append(cursor.lastrowid)
        return out
    values = ", ".join([one] * len(rows))
    flat = [v for row in rows for v in row]
    statement = sql(f'INSERT INTO "{table}" ({cols}) VALUES {values}')
    if ids:
        statement += ' RETURNING "id"'
        return [r[0] for r in database.execute_sql(statement, flat).fetchall()]
    database.execute_sql(statement, flat)
    return []


def stamp(moment: dt.datetime) -> dt.datetime | str:
    """A timestamp for raw statements, stored exactly as Peewee stores it."""
    return str(moment) if is_sqlite() else moment


def query_value(statement: str, params: tuple = ()) -> object:
    """The first column of the first row of a ``?``-style query, or None."""
    row = database.execute_sql(sql(statement), params).fetchone()
    return row[0] if row else None
