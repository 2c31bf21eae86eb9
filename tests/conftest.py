"""Shared fixtures: a real database per test (a SQLite file; PostgreSQL when TORGTUI_TEST_PG is
set), migrated to the latest schema, plus a fixed clock and the demo staff."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from tests.shop_fixture import shop  # noqa: F401  (a fixture for every test folder)
from torgtui import db as dbmod
from torgtui.clock import FixedClock
from torgtui.i18n import set_language

PG_URL = os.environ.get("TORGTUI_TEST_PG", "")
PG_SKIP = "TORGTUI_TEST_PG is not set: PostgreSQL tests need a server URL (CI sets it)"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(autouse=True, scope="session")
def _crash_logs_stay_in_the_test_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A command that hits a bug writes a crash log (torgtui.crashlog): under the tests' own
    temporary folder, never the user's home (subprocesses inherit it)."""
    old = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if old is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = old


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(dt.datetime(2026, 11, 22, 10, 0, 0))


def _open_sqlite(tmp_path: Path) -> tuple[peewee.Database, str]:
    url = str(tmp_path / "shop.sqlite")
    return dbmod.open_database(url, create=True), url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = peewee.PostgresqlDatabase(PG_URL, prefer_psycopg3=True)
    admin.connect()
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_schema_url(schema)
    finally:
        admin.execute_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.close()


def _pg_database_url(name: str) -> str:
    """PG_URL with its database replaced by ``name`` (the query string kept)."""
    head, sep, query = PG_URL.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}{sep}{query}"


@pytest.fixture(scope="session")
def _pg_admin() -> Iterator[peewee.Database]:
    """One administrative connection per test process (creates and drops test databases)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    admin = peewee.PostgresqlDatabase(PG_URL, prefer_psycopg3=True)
    admin.connect()
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def _pg_template(_pg_admin: peewee.Database) -> Iterator[str]:
    """A database migrated to the latest schema once per test process, which every test that
    wants a migrated PostgreSQL database gets a fresh copy of (CREATE DATABASE ... TEMPLATE, about
    50 ms, where running the 400 migration statements again took 0.4-1.6 s a test). The migrations
    themselves are still run and checked from empty by the tests that ask for ``empty_db``."""
    name = f"tt_tmpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg_admin.execute_sql(f'CREATE DATABASE "{name}"')
    try:
        dbmod.open_and_upgrade(_pg_database_url(name), create=True).close()
        yield name
    finally:
        _pg_admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def _pg_migrated_url(_pg_admin: peewee.Database, _pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database at the latest schema for one test, dropped afterwards."""
    name = f"tt_{uuid.uuid4().hex[:12]}"
    _pg_admin.execute_sql(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_template}"')
    try:
        yield _pg_database_url(name)
    finally:
        _pg_admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL for each backend: a SQLite file, and a PostgreSQL schema when set (a
    database already at the latest schema when the test asks for ``db``)."""
    if request.param == "sqlite":
        yield str(tmp_path / "shop.sqlite")
    elif "db" in request.fixturenames and "empty_db" not in request.fixturenames:
        yield request.getfixturevalue("_pg_migrated_url")
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def empty_db(backend: str) -> Iterator[peewee.Database]:
    """An open, empty (unmigrated) database on each backend."""
    database = dbmod.open_database(backend, create=True)
    yield database
    database.close()


@pytest.fixture
def db(backend: str) -> Iterator[peewee.Database]:
    """An open database on each backend, migrated to the latest schema."""
    database = dbmod.open_and_upgrade(backend, create=True)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[peewee.Database]:
    """A migrated SQLite file only (for tests about SQLite itself)."""
    url = str(tmp_path / "shop.sqlite")
    database = dbmod.open_and_upgrade(url, create=True)
    yield database
    database.close()


_PIN_HASHES: dict[str, str] = {}


def pin_hash(pin: str) -> str:
    """A real scrypt hash of ``pin``, computed once per test session (scrypt is slow on purpose)."""
    from torgtui.staff import hash_pin

    if pin not in _PIN_HASHES:
        _PIN_HASHES[pin] = hash_pin(pin)
    return _PIN_HASHES[pin]


@pytest.fixture
def staff(db: peewee.Database, clock: FixedClock) -> dict[str, object]:
    """The demo shop's fixed employees: owner 1111, manager 2222, cashier 3333 (+ senior 4444,
    support 5555), with real scrypt PIN hashes (create_employee itself is tested in test_staff)."""
    from torgtui import staff as st
    from torgtui.models import Employee

    people = {}
    for name, role, pin in [
        ("Olena Owner", st.Role.OWNER, "1111"),
        ("Maria Manager", st.Role.MANAGER, "2222"),
        ("Kateryna Cashier", st.Role.CASHIER, "3333"),
        ("Serhii Senior", st.Role.SENIOR_CASHIER, "4444"),
        ("Petro Support", st.Role.SUPPORT, "5555"),
    ]:
        people[role.value] = Employee.create(
            name=name, role=role.value, pin_hash=pin_hash(pin), created_at=clock()
        )
    return people
