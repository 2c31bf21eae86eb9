"""Numbered schema migrations: ``mNNNN_name.py`` modules, applied in order.

Each module has ``NAME`` and ``STATEMENTS`` (portable SQL with the type tokens below), and may
have ``SQLITE`` / ``POSTGRESQL`` lists for what only one dialect can say, and a ``run(db)``
function for a data step that SQL cannot express (it runs after the statements, in the same
transaction). Migrations are frozen
SQL, never the live models, so an old database upgrades through the very steps a new one was
built with; ``tests/unit/test_migrations.py`` checks the result matches the models. Start a new
one from ``python tools/schema_sql.py ModelName``; never edit one that has shipped.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re
from dataclasses import dataclass
from types import ModuleType

import peewee

TOKENS = {
    "sqlite": {
        ":PK": "INTEGER NOT NULL PRIMARY KEY",
        ":TS": "DATETIME",
        ":BOOL": "INTEGER",
        ":FALSE": "0",
        ":BYTES": "",  # SQLite compares text by bytes already
    },
    "postgresql": {
        ":PK": "SERIAL NOT NULL PRIMARY KEY",
        ":TS": "TIMESTAMP",
        ":BOOL": "BOOLEAN",
        ":FALSE": "FALSE",
        ":BYTES": 'COLLATE "C"',  # byte order, so a prefix is a plain index range
    },
}

VERSION_TABLE = (
    'CREATE TABLE IF NOT EXISTS "schema_version" ("version" INTEGER NOT NULL PRIMARY KEY, '
    '"name" VARCHAR(80) NOT NULL, "applied_at" :TS NOT NULL)'
)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    module: ModuleType

    def statements(self, dialect: str) -> list[str]:
        extra = getattr(self.module, dialect.upper(), [])
        return [render(sql, dialect) for sql in [*self.module.STATEMENTS, *extra]]


def render(sql: str, dialect: str) -> str:
    for token, text in TOKENS[dialect].items():
        sql = sql.replace(token, text)
    return sql


def dialect_of(db: peewee.Database) -> str:
    return "postgresql" if isinstance(db, peewee.PostgresqlDatabase) else "sqlite"


def all_migrations() -> list[Migration]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = re.fullmatch(r"m(\d{4})_(\w+)", info.name)
        if match:
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(Migration(int(match.group(1)), module.NAME, module))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    assert [m.version for m in found] == expected, "migrations must be numbered 1..N"
    return found


def latest_version() -> int:
    return len(all_migrations())


def current_version(db: peewee.Database) -> int:
    """The schema version of ``db``; 0 for an empty database."""
    if "schema_version" not in db.get_tables():
        return 0
    row = db.execute_sql('SELECT MAX("version") FROM "schema_version"').fetchone()
    return int(row[0] or 0)


def apply(db: peewee.Database, migration: Migration, now: dt.datetime) -> None:
    """Apply one migration in its own transaction (DDL is transactional in both dialects)."""
    dialect = dialect_of(db)
    begin = ("IMMEDIATE",) if dialect == "sqlite" else ()
    with db.atomic(*begin):
        db.execute_sql(render(VERSION_TABLE, dialect))
        for sql in migration.statements(dialect):
            db.execute_sql(sql)
        data_step = getattr(migration.module, "run", None)
        if data_step is not None:
            data_step(db)
        db.execute_sql(
            'INSERT INTO "schema_version" ("version", "name", "applied_at") VALUES '
            + ("(?, ?, ?)" if dialect == "sqlite" else "(%s, %s, %s)"),
            (migration.version, migration.name, now),
        )
