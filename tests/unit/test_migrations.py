"""Schema versions: a fresh database, an upgrade from the first version with data in it, the
automatic backup, refusal of a newer database, and the append-only ledgers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import peewee
import pytest

from torgtui import db as dbmod
from torgtui import migrations
from torgtui.errors import DatabaseError
from torgtui.models import ALL_MODELS, AuditEntry, Location, Product, StockMovement

NOW = dt.datetime(2026, 11, 22, 9, 0)


def test_fresh_database_matches_models(db: peewee.Database) -> None:
    assert migrations.current_version(db) == migrations.latest_version() >= 2
    for model in ALL_MODELS:
        table = model._meta.table_name
        have = sorted(c.name for c in db.get_columns(table))
        want = sorted(f.column_name for f in model._meta.sorted_fields)
        assert have == want, f"migrations and models disagree on {table}"
        have_idx = {i.name for i in db.get_indexes(table)}
        want_idx = {i._name for i in model._meta.fields_to_index()}  # type: ignore[attr-defined]
        assert want_idx <= have_idx, f"indexes missing on {table}: {want_idx - have_idx}"


def test_upgrade_from_first_version_keeps_data(empty_db: peewee.Database, backend: str) -> None:
    applied = dbmod.upgrade(empty_db, backend, now=NOW, target=1)
    assert applied == [1] and migrations.current_version(empty_db) == 1
    # data written by version 1 (only the columns version 1 has)
    empty_db.execute_sql("INSERT INTO location (code, name, address) VALUES ('MAIN', 'Shop', '')")
    empty_db.execute_sql(
        "INSERT INTO product (sku, name, unit, weighed, price, cost, tax_group, active, "
        "created_at, updated_at) VALUES ('SKU1', 'Сукня', 'pcs', %s, 125050, 60000, 'A', %s, "
        "'2026-01-01 10:00:00', '2026-01-01 10:00:00')"
        % (("0", "1") if dbmod.is_sqlite(empty_db) else ("false", "true"))
    )
    empty_db.execute_sql(
        "INSERT INTO stock_movement (product_id, location_id, qty, kind, at, note) "
        "VALUES (1, 1, 5000, 'inbound', '2026-01-01 10:00:00', '')"
    )
    assert dbmod.upgrade(empty_db, backend, now=NOW) == list(
        range(2, migrations.latest_version() + 1)
    )
    product = Product.get(Product.sku == "SKU1")
    assert (product.name, product.price, product.cost) == ("Сукня", 125050, 60000)
    movement = StockMovement.get()
    assert (movement.qty, movement.receipt_line_id) == (5000, None)
    assert Location.get().name == "Shop"


def test_upgrade_backs_up_sqlite_first(tmp_path: Path) -> None:
    url = str(tmp_path / "shop.sqlite")
    database = dbmod.open_database(url, create=True)
    dbmod.upgrade(database, url, now=NOW, target=1)
    database.execute_sql("INSERT INTO location (code, name, address) VALUES ('M', 'v1', '')")
    dbmod.upgrade(database, url, now=NOW)
    backups = list(tmp_path.glob("shop.sqlite.bak-v1-*"))
    assert [b.name for b in backups] == ["shop.sqlite.bak-v1-20261122-090000"]
    old = dbmod.make_database(str(backups[0]))
    assert migrations.current_version(old) == 1
    assert old.execute_sql("SELECT name FROM location").fetchone() == ("v1",)
    old.close()
    database.close()


def test_failed_migration_rolls_back(empty_db: peewee.Database, backend: str) -> None:
    """A migration that fails half-way leaves the database at the last good version."""
    dbmod.upgrade(empty_db, backend, now=NOW, target=1)
    bad = migrations.Migration(
        2,
        "broken",
        type(
            "M",
            (),
            {
                "STATEMENTS": ['CREATE TABLE "half" ("id" :PK)', "THIS IS NOT SQL"],
            },
        ),
    )
    with pytest.raises(peewee.DatabaseError):
        migrations.apply(empty_db, bad, NOW)
    assert migrations.current_version(empty_db) == 1
    assert "half" not in empty_db.get_tables()


def test_newer_database_is_refused(db: peewee.Database, backend: str) -> None:
    future = migrations.latest_version() + 1
    with dbmod.write_tx():
        db.execute_sql(
            'INSERT INTO "schema_version" ("version", "name", "applied_at") VALUES '
            + ("(?, ?, ?)" if dbmod.is_sqlite(db) else "(%s, %s, %s)"),
            (future, "from the future", NOW),
        )
    with pytest.raises(DatabaseError, match=f"newer torgtui \\(schema version {future}"):
        dbmod.upgrade(db, backend)
    with pytest.raises(DatabaseError, match="Update torgtui"):
        dbmod.check_version(db)


@pytest.mark.parametrize("table", ["audit_entry", "stock_movement"])
def test_ledgers_are_append_only(db: peewee.Database, table: str) -> None:
    loc = Location.create(code="L", name="L")
    product = Product.create(sku="S", name="N", price=100, created_at=NOW, updated_at=NOW)
    StockMovement.create(product=product, location=loc, qty=1000, kind="inbound", at=NOW)
    AuditEntry.create(at=NOW, action="test")
    with pytest.raises(peewee.DatabaseError, match="append-only"), dbmod.write_tx():
        db.execute_sql(f'UPDATE "{table}" SET "at" = "at"')
    with pytest.raises(peewee.DatabaseError, match="append-only"), dbmod.write_tx():
        db.execute_sql(f'DELETE FROM "{table}"')
    assert db.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == 1


def test_name_order_migration_recomputes_sort_keys(empty_db: peewee.Database, backend: str) -> None:
    """Version 5 rewrites the stored sort keys of existing cards (a data step in Python)."""
    from torgtui.customers.words import sort_key

    dbmod.upgrade(empty_db, backend, now=NOW, target=4)
    empty_db.execute_sql(
        "INSERT INTO customer (name, email, gender, note, created_at, name_sort) "
        "VALUES ('Біла Олена', '', '', '', '2026-01-01 10:00:00', 'біла олена'), "
        "('Бондар Іван', '', '', '', '2026-01-01 10:00:00', 'бондар іван')"
    )
    dbmod.upgrade(empty_db, backend, now=NOW)
    rows = empty_db.execute_sql('SELECT "name" FROM "customer" ORDER BY "name_sort"').fetchall()
    assert [r[0] for r in rows] == ["Біла Олена", "Бондар Іван"]
    stored = empty_db.execute_sql('SELECT "name_sort" FROM "customer" ORDER BY "id"').fetchall()
    assert [r[0] for r in stored] == [sort_key("Біла Олена"), sort_key("Бондар Іван")]
