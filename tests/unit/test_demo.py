"""The demo shop: counts, staff that can log in, valid barcodes, consistent receipts and stock,
determinism for a seed, the refusal to overwrite, and the ``torgtui demo`` command."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from torgtui import db as dbmod
from torgtui import staff
from torgtui.catalog.barcodes import is_valid_gtin
from torgtui.cli import main
from torgtui.demo import EMPLOYEES, DemoSummary, build_demo, months_before
from torgtui.errors import DatabaseError
from torgtui.models import (
    Barcode,
    Customer,
    Employee,
    LineAdjustment,
    Location,
    Manufacturer,
    Payment,
    Product,
    ProductGroup,
    Receipt,
    ReceiptLine,
    Shift,
    StockMovement,
)
from torgtui.money import line_amount

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    path = tmp_path_factory.mktemp("demo") / "shop.sqlite"
    summary = build_demo(str(path), customers=50, months=1, today=TODAY, seed=7)
    dbmod.database.close()
    return path, summary


@pytest.fixture
def shop(small: tuple[Path, DemoSummary]) -> Iterator[DemoSummary]:
    """The small demo shop, opened."""
    path, summary = small
    database = dbmod.open_database(str(path))
    yield summary
    database.close()


def sku_prices() -> list[tuple[str, int]]:
    return [(p.sku, p.price) for p in Product.select().order_by(Product.id)]


def receipt_totals() -> list[int]:
    return [r.total for r in Receipt.select(Receipt.total).order_by(Receipt.number)]


def check_receipts() -> None:
    """Every receipt adds up: lines, adjustments, payments and stock movements agree."""
    receipts = {r.id: r for r in Receipt.select()}
    lines: dict[int, list[ReceiptLine]] = defaultdict(list)
    line_by_id = {}
    for line in ReceiptLine.select():
        lines[line.receipt_id].append(line)
        line_by_id[line.id] = line
    paid: dict[int, int] = defaultdict(int)
    for pay in Payment.select(Payment, Receipt).join(Receipt):
        paid[pay.receipt_id] += pay.amount
        assert pay.amount > 0
        if pay.receipt.kind == "return":
            assert pay.tendered == 0
        elif pay.tender == "cash":
            assert pay.tendered >= pay.amount and pay.tendered % 10 == 0
    adjusted: dict[int, int] = defaultdict(int)
    for adj in LineAdjustment.select():
        assert adj.step == "manual" and adj.reason and adj.employee_id
        adjusted[adj.line_id] += adj.amount
    moved: dict[int, list[StockMovement]] = defaultdict(list)
    for move in StockMovement.select().where(StockMovement.receipt_line_id.is_null(False)):
        moved[move.receipt_line_id].append(move)

    assert [r.number for r in sorted(receipts.values(), key=lambda r: r.created_at)] == list(
        range(1, len(receipts) + 1)
    )
    for receipt in receipts.values():
        own = lines[receipt.id]
        assert own, receipt.number
        assert receipt.total == receipt.subtotal - receipt.discount > 0
        assert receipt.total == sum(line.total for line in own) == paid[receipt.id]
        assert receipt.subtotal == sum(line.subtotal for line in own)
        assert receipt.discount == sum(line.discount for line in own)
        assert receipt.status == "closed" and receipt.shift_id is not None
        for line in own:
            assert line.qty > 0
            assert line.subtotal == line_amount(line.unit_price, line.qty)
            assert line.discount == adjusted.get(line.id, 0)
            assert line.total == line.subtotal - line.discount
            (move,) = moved[line.id]
            assert move.kind == receipt.kind
            assert move.qty == (-line.qty if receipt.kind == "sale" else line.qty)
        if receipt.kind == "return":
            original = receipts[receipt.original_id]
            assert original.kind == "sale" and original.created_at < receipt.created_at
            for line in own:
                sold = line_by_id[line.original_line_id]
                assert sold.receipt_id == original.id
                assert (sold.product_id, sold.qty, sold.total) == (
                    line.product_id,
                    line.qty,
                    line.total,
                )
        else:
            assert receipt.original_id is None


def check_stock() -> None:
    """Stock is the sum of the ledger and never went below zero along the way."""
    running: dict[int, int] = defaultdict(int)
    for product_id, qty in (
        StockMovement.select(StockMovement.product_id, StockMovement.qty)
        .order_by(StockMovement.id)
        .tuples()
    ):
        running[product_id] += qty
        assert running[product_id] >= 0, product_id
    assert set(running) == {p.id for p in Product.select(Product.id)}


def test_small_build_has_a_whole_shop(shop: DemoSummary) -> None:
    assert 250 <= shop.products == Product.select().count() <= 350
    assert shop.customers == Customer.select().count() == 50
    assert shop.receipts == Receipt.select().count() > 30 * 30
    assert shop.lines == ReceiptLine.select().count() > shop.receipts
    assert shop.returns == Receipt.select().where(Receipt.kind == "return").count()
    assert LineAdjustment.select().count() > 0
    assert (Location.get().code, Location.get().name) == ("MAIN", "Demo shop")
    assert 15 <= Manufacturer.select().count() <= 25
    tops = {g.name for g in ProductGroup.select().where(ProductGroup.parent.is_null())}
    assert tops == {"Одяг", "Косметика", "Дитячі товари"}
    weighed = list(Product.select().where(Product.weighed == True))  # noqa: E712
    assert weighed and all(p.unit == "kg" for p in weighed)
    for product in Product.select():
        assert 8_900 <= product.price <= 450_000 and product.price % 100 in (0, 50, 90)
        assert product.price * 45 // 100 <= product.cost <= product.price * 70 // 100
        assert product.tax_group == "A" and product.active
    first_day = months_before(TODAY, 1) + dt.timedelta(days=1)
    # a shift and sales every day up to yesterday; today is left for the cashier
    assert Shift.select().count() == (TODAY - first_day).days
    days = Receipt.select(Receipt.created_at).tuples()
    assert {d.date() for (d,) in days} == {
        first_day + dt.timedelta(days=n) for n in range((TODAY - first_day).days)
    }
    assert all(9 <= d.hour < 20 for (d,) in days)
    attached = Receipt.select().where(Receipt.customer.is_null(False)).count()
    assert 0.2 < attached / shop.receipts < 0.5


def test_customers_are_plausible_and_unique(shop: DemoSummary) -> None:
    customers = list(Customer.select())
    phones = [c.phone for c in customers]
    cards = [c.card for c in customers]
    assert len(set(phones)) == len(set(cards)) == len(customers)
    assert all(re.fullmatch(r"\+380(67|50|63)\d{7}", p) for p in phones)
    assert all(is_valid_gtin(c) and len(c) == 13 and c.startswith("29") for c in cards)
    assert {c.gender for c in customers} == {"f", "m"}
    assert any(c.email for c in customers)
    for c in customers:
        age = (TODAY - c.birth_date).days / 365.25
        assert 18 <= age <= 75.1
        assert c.created_at <= dt.datetime.combine(TODAY, dt.time(20))
    for receipt in Receipt.select().where(Receipt.customer.is_null(False)):
        assert receipt.customer.created_at <= receipt.created_at


def test_fixed_employees_log_in_with_their_pins(shop: DemoSummary, clock) -> None:
    assert Employee.select().count() == len(EMPLOYEES)
    for name, role, pin in EMPLOYEES:
        employee = Employee.get(Employee.name == name)
        assert staff.login(employee.id, pin, clock=clock).role == role.value
    assert [name for name, _role, pin in EMPLOYEES if pin in ("1111", "2222", "3333")] == [
        "Olena Kovalenko",
        "Maria Shevchenko",
        "Kateryna Bondarenko",
    ]


def test_barcodes_are_valid_unique_in_store_codes(shop: DemoSummary) -> None:
    codes = [b.code for b in Barcode.select()]
    assert len(codes) == len(set(codes))
    assert all(is_valid_gtin(c) and len(c) == 13 and c[:2] in ("21", "22") for c in codes)
    per_product: dict[int, int] = defaultdict(int)
    for barcode in Barcode.select():
        per_product[barcode.product_id] += 1
    assert len(per_product) == shop.products
    assert set(per_product.values()) == {1, 2}


def test_receipts_add_up(shop: DemoSummary) -> None:
    check_receipts()
    tenders = {p.tender for p in Payment.select()}
    assert tenders == {"cash", "card"}
    assert shop.returns > 0


def test_stock_is_the_ledger_and_never_negative(shop: DemoSummary) -> None:
    check_stock()
    kinds = {m.kind for m in StockMovement.select(StockMovement.kind).distinct()}
    assert kinds == {"inbound", "sale", "return"}


def test_same_seed_same_shop_other_seed_other_shop(
    small: tuple[Path, DemoSummary], tmp_path: Path
) -> None:
    path, _summary = small
    dbmod.open_database(str(path))
    expected = (sku_prices(), receipt_totals())
    dbmod.database.close()
    build_demo(str(tmp_path / "again.sqlite"), customers=50, months=1, today=TODAY, seed=7)
    assert (sku_prices(), receipt_totals()) == expected
    dbmod.database.close()
    build_demo(str(tmp_path / "other.sqlite"), customers=50, months=1, today=TODAY, seed=8)
    assert sku_prices() != expected[0]
    assert receipt_totals() != expected[1]
    dbmod.database.close()


def test_existing_file_is_refused_unless_forced(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    path.write_bytes(b"precious")
    Path(f"{path}-wal").write_bytes(b"stale")
    with pytest.raises(DatabaseError, match="already exists"):
        build_demo(str(path), customers=5, months=1, today=TODAY)
    assert path.read_bytes() == b"precious"
    summary = build_demo(str(path), customers=5, months=1, today=TODAY, force=True)
    assert Customer.select().count() == summary.customers == 5
    dbmod.database.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop.sqlite"]
    database = dbmod.open_and_upgrade(str(path))
    assert Receipt.select().count() == summary.receipts
    database.close()


def test_months_before_clamps_to_the_month_end() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 11, 22), 6) == dt.date(2026, 5, 22)
    assert months_before(dt.date(2026, 1, 15), 2) == dt.date(2025, 11, 15)


def test_cli_builds_and_prints_the_pins(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = str(tmp_path / "cli.sqlite")
    args = ["--db", path, "demo", "--customers", "20", "--months", "1", "--today", "2026-11-22"]
    assert main(args) == 0
    out = capsys.readouterr().out
    for name, _role, pin in EMPLOYEES:
        assert re.search(rf"{name}.*PIN {pin}", out)
    assert f"torgtui --db {path}" in out
    assert Customer.select().count() == 20
    dbmod.database.close()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err
    assert main([*args[:-1], "22.11.2026", "--force"]) == 2
    assert "'22.11.2026' is not a date like 2026-11-22" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--customers", "-1"], "--customers must be from 0 to 1000000, not -1."),
        (["--customers", "99999999999999999"], "--customers must be a whole number from 0"),
        (["--customers", "1e3"], "--customers must be a whole number from 0 to 1000000"),
        (["--months", "0"], "--months must be from 1 to 36, not 0."),
        (["--months", "37"], "--months must be from 1 to 36, not 37."),
        (["--seed", "-1"], "--seed must be from 0 to 999999999999, not -1."),
        (["--seed", "9" * 5000], "--seed must be a whole number"),
        (["--today", "0001-01-01"], "--today 0001-01-01 is out of range: check the year."),
        (["--today", "2026-02-30"], "--today: '2026-02-30' is not a date like 2026-11-22."),
    ],
)
def test_cli_checks_its_arguments_before_building(
    tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str
) -> None:
    assert main(["--db", str(tmp_path / "demo.sqlite"), "demo", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.pg
def test_build_on_postgresql(pg_url: str) -> None:
    summary = build_demo(pg_url, customers=20, months=1, today=TODAY, force=True)
    try:
        assert summary.customers == Customer.select().count() == 20
        assert summary.receipts == Receipt.select().count()
        check_receipts()
        check_stock()
        employee = Employee.get(Employee.name == EMPLOYEES[2][0])
        assert staff.login(employee.id, EMPLOYEES[2][2]).id == employee.id
        # ids were set by the build: the sequences must have moved past them
        extra = Customer.create(name="Нова Покупниця", email="", created_at=dt.datetime.now())
        assert extra.id == summary.customers + 1
        with pytest.raises(DatabaseError, match="already holds a shop"):
            build_demo(pg_url, customers=5, months=1, today=TODAY)
    finally:
        dbmod.database.close()


def test_failed_build_leaves_no_file(tmp_path: Path) -> None:
    """A failed build leaves neither the target nor the temporary file behind."""
    path = tmp_path / "shop.sqlite"
    with pytest.raises(ValueError):
        build_demo(str(path), customers=-1, months=1, today=TODAY)
    dbmod.database.close()
    assert list(tmp_path.iterdir()) == []


def test_demo_does_not_import_textual() -> None:
    code = "import sys, torgtui.demo; assert 'textual' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
