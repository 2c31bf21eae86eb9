"""A small shop for the scripting contract (docs/cli.md): Ukrainian goods in groups and by
manufacturer, customers with cards (one phone shared by a family), and the rules of
tests/data/rules_example.toml, which docs/cli.md shows in full.

``seed`` fills an open, migrated database (either backend) through the services;
``build_sqlite`` makes the whole shop in a SQLite file through ``torgtui`` commands, as a
script would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path

from torgtui.catalog.barcodes import make_ean13
from torgtui.models import (
    Barcode,
    Customer,
    Employee,
    Manufacturer,
    Product,
    ProductGroup,
)

EXAMPLE = Path(__file__).parent.parent / "data" / "rules_example.toml"
T0 = dt.datetime(2026, 11, 1, 9, 0)
OLENA, IHOR, TARAS, MARTA = (make_ean13("29", n) for n in (1, 2, 3, 4))
PHONE = "067 123 45 67"  # Olena's, and her daughter Marta's
STAFF = [
    ("Maria Manager", "manager", "2222"),
    ("Kateryna Cashier", "cashier", "3333"),
    ("Serhii Senior", "senior_cashier", "4444"),
]


def _group(path: str) -> ProductGroup:
    parent = None
    if "/" in path:
        parent = ProductGroup.get(ProductGroup.path == path.rsplit("/", 1)[0])
    return ProductGroup.create(name=path.rsplit("/", 1)[-1], parent=parent, path=path)


def seed(owner: Employee) -> None:
    """The catalog and the customers (no rules: those come from the example file)."""
    from torgtui.customers.service import CardData, create_customer

    for path in ("Одяг", "Одяг/Сукні", "Косметика", "Косметика/Креми"):
        _group(path)
    knit = Manufacturer.create(name="Київський трикотаж")
    flora = Manufacturer.create(name="Флора Карпат")
    goods = [
        ("D-1", "Сукня літня", 125000, 60000, "Одяг/Сукні", knit),
        ("C-1", "Крем для рук", 18990, 9000, "Косметика/Креми", flora),
        ("S-1", "Шкарпетки", 9900, 4000, "Одяг", knit),
    ]
    for n, (sku, name, price, cost, path, maker) in enumerate(goods, 1):
        product = Product.create(
            sku=sku,
            name=name,
            price=price,
            cost=cost,
            group=ProductGroup.get(ProductGroup.path == path),
            manufacturer=maker,
            created_at=T0,
            updated_at=T0,
        )
        Barcode.create(code=make_ean13("21", n), product=product)
    for name, phone, card in (
        ("Олена Коваль", PHONE, OLENA),
        ("Ігор Мельник", "050 111 22 33", IHOR),
        ("Тарас Бойко", "063 222 33 44", TARAS),
    ):
        create_customer(CardData(name, [phone], card=card), by=owner)
    create_customer(CardData("Марта Коваль", [PHONE], card=MARTA), by=owner, share_phone=True)


def loyalty(owner: Employee, manager: Employee) -> None:
    """After the rules are loaded: who holds which card, Taras is a wholesale VIP on credit."""
    from torgtui.marketing import cards, pricerules, vip
    from torgtui.models import CardType

    types = {t.code: t.id for t in CardType.select()}
    for card, code in ((OLENA, "BONUS"), (IHOR, "ACC"), (TARAS, "VIP"), (MARTA, "BONUS")):
        customer = Customer.get(Customer.card == card)
        cards.set_card_type(customer, types[code], by=manager)
    taras = Customer.get(Customer.card == TARAS)
    pricerules.set_customer_price_type(taras.id, "wholesale", by=manager)
    vip.set_vip(taras.id, "credit", limit=500000, term_days=30, by=manager)


def build_sqlite(path: str) -> None:
    """The whole shop in a new SQLite file, through the commands a script would run."""
    from torgtui import db
    from torgtui.cli import main

    def run(*argv: str) -> None:
        try:
            assert main(["--db", path, *argv]) == 0, argv
        finally:
            db.database.close()  # every connection closed: the WAL is in the file

    try:
        run("init", "--owner", "Olena Owner", "--pin", "1111")
        for name, role, pin in STAFF:
            run("staff", "add", name, "--role", role, "--pin", pin)
        db.open_database(path)
        seed(Employee.get(Employee.name == "Olena Owner"))
        db.database.close()
        run("rules", "import", str(EXAMPLE), "--employee", "Maria Manager")
        db.open_database(path)
        owner = Employee.get(Employee.name == "Olena Owner")
        loyalty(owner, Employee.get(Employee.name == "Maria Manager"))
    finally:
        with contextlib.suppress(Exception):
            db.database.close()
