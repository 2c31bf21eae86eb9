"""Print the CREATE TABLE / CREATE INDEX statements Peewee would use for some models, in both
dialects, as a starting point for a new numbered migration in torgtui/migrations/.

    python tools/schema_sql.py Customer Shift Receipt

Migrations are frozen SQL (not the live models) so that an old database upgrades through the
same steps a new one was built with; tests/unit/test_migrations.py checks they match the models.
"""

from __future__ import annotations

import sys

import peewee

import torgtui.models as m


def statements(model: type[peewee.Model], db: peewee.Database) -> list[str]:
    with db.bind_ctx([model], bind_refs=False, bind_backrefs=False):
        ctx = model._schema._create_table(safe=False)
        out = [db.get_sql_context().sql(ctx).query()[0]]
        for index in model._schema._create_indexes(safe=False):
            out.append(db.get_sql_context().sql(index).query()[0])
    return out


def main(names: list[str]) -> None:
    dbs = {
        "sqlite": peewee.SqliteDatabase(":memory:"),
        "postgresql": peewee.PostgresqlDatabase("x", prefer_psycopg3=True),
    }
    for dialect, db in dbs.items():
        print(f"# --- {dialect}")
        for name in names:
            for sql in statements(getattr(m, name), db):
                print(f'    """{sql}""",')


if __name__ == "__main__":
    main(sys.argv[1:])
