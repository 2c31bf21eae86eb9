"""Product CSV import: both encodings and delimiters, re-import by SKU, stock by ledger,
row errors with their line numbers, file errors, and the command's exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from torgtui.catalog import stock
from torgtui.catalog.importer import ImportFileError, import_products
from torgtui.cli import main
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import (
    AuditEntry,
    Barcode,
    Location,
    Manufacturer,
    Product,
    ProductGroup,
    StockMovement,
)

DATA = Path(__file__).parent.parent / "data"
TAX = ("A", "B", "C")
HEADER = "sku;name;price;group;barcodes;stock\n"


@pytest.fixture
def main_location(db) -> Location:
    return Location.create(code="MAIN", name="Магазин")


def write(tmp_path: Path, text: str, encoding: str = "cp1251", name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path, clock, employee=None, **kw):
    kw.setdefault("location_code", "MAIN")
    return import_products(path, tax_codes=TAX, clock=clock, employee=employee, **kw)


def test_cp1251_semicolon_fixture_imports_everything(db, staff, clock, main_location):
    report = run(DATA / "products_cp1251.csv", clock, staff["manager"])

    assert (report.imported, report.updated, report.rejected) == (3, 0, [])
    assert (report.encoding, report.delimiter) == ("cp1251", ";")
    dress = Product.get(Product.sku == "D-001")
    assert dress.name == "Сукня літня"
    assert (dress.price, dress.cost, dress.unit, dress.weighed) == (125050, 80000, "pcs", False)
    assert dress.group.path == "Одяг/Жінкам/Сукні"
    assert dress.group.parent.path == "Одяг/Жінкам"
    assert dress.group.parent.parent.parent is None
    assert dress.manufacturer.name == "Ластівка"
    assert Manufacturer.select().count() == 1
    assert ProductGroup.select().count() == 5  # Одяг, Одяг/Жінкам, .../Сукні, .../Блузи, Солодощі
    sweets = Product.get(Product.sku == "C-100")
    assert (sweets.unit, sweets.weighed, sweets.tax_group, sweets.manufacturer) == (
        "kg",
        True,
        "B",
        None,
    )
    blouse = Product.get(Product.sku == "D-002")
    assert sorted(b.code for b in blouse.barcodes) == ["4820000000024", "4820000000031"]
    moves = list(StockMovement.select().order_by(StockMovement.id))
    assert [(m.product.sku, m.qty, m.kind) for m in moves] == [
        ("D-001", 5000, "import"),
        ("D-002", 3000, "import"),
        ("C-100", 12500, "import"),
    ]
    assert all(m.employee_id == staff["manager"].id for m in moves)
    assert stock.stock_of(sweets, main_location) == 12500
    entry = AuditEntry.get(AuditEntry.action == "catalog.import")
    assert entry.employee_id == staff["manager"].id
    after = json.loads(entry.after)
    assert (after["imported"], after["updated"], after["rejected"]) == (3, 0, 0)


def test_utf8_bom_comma_fixture(db, clock, main_location):
    report = run(DATA / "products_utf8.csv", clock)

    assert (report.imported, report.rejected) == (2, [])
    assert (report.encoding, report.delimiter) == ("utf-8", ",")
    shirt = Product.get(Product.sku == "T-1")
    assert shirt.name == "Футболка, чорна"
    assert (shirt.price, shirt.tax_group, shirt.unit) == (35000, "A", "pcs")
    assert sorted(b.code for b in shirt.barcodes) == ["4820000000048", "4820000000055"]
    assert stock.stock_levels(main_location) == {shirt.id: 10000}


def test_both_encodings_detected_and_forced(db, clock, main_location, tmp_path):
    text = HEADER + "S-1;Сукня літня;100;;;\n"
    utf8 = write(tmp_path, text, "utf-8", "u.csv")
    cp = write(tmp_path, text.replace("S-1", "S-2"), "cp1251", "c.csv")

    assert run(utf8, clock).encoding == "utf-8"
    assert run(cp, clock, encoding="cp1251").encoding == "cp1251"
    assert Product.get(Product.sku == "S-1").name == "Сукня літня"
    assert Product.get(Product.sku == "S-2").name == "Сукня літня"


def test_forced_wrong_encoding_is_a_clear_error(db, clock, main_location, tmp_path):
    path = write(tmp_path, HEADER + "S-1;Сукня літня;100;;;\n", "cp1251")

    with pytest.raises(ImportFileError) as err:
        run(path, clock, encoding="utf-8")
    assert "is not valid utf-8" in err.value.message
    assert "try --encoding cp1251" in err.value.message
    assert Product.select().count() == 0


def test_reimport_updates_by_sku_and_sets_stock_by_difference(
    db, staff, clock, main_location, tmp_path
):
    first = write(tmp_path, HEADER + "S-1;Сукня літня;1250,50;Одяг;4820000000017;10\n")
    run(first, clock, staff["owner"])
    clock.advance(days=1)
    second = write(
        tmp_path,
        "sku;name;price;cost;group;barcodes;stock\n"
        "S-1;Сукня літня нова;1100;700;Одяг/Сукні;4820000000024;7\n"
        "S-2;Блуза;500;;;;0\n",
        name="p2.csv",
    )

    report = run(second, clock, staff["owner"])

    assert (report.imported, report.updated, report.rejected) == (1, 1, [])
    dress = Product.get(Product.sku == "S-1")
    assert (dress.name, dress.price, dress.cost) == ("Сукня літня нова", 110000, 70000)
    assert dress.group.path == "Одяг/Сукні"
    assert sorted(b.code for b in dress.barcodes) == ["4820000000017", "4820000000024"]
    assert Product.select().count() == 2
    moves = [m.qty for m in StockMovement.select().order_by(StockMovement.id)]
    assert moves == [10000, -3000]  # S-2 at 0 posts nothing
    assert stock.stock_of(dress, main_location) == 7000
    # the same file again changes no stock
    run(second, clock, staff["owner"])
    assert StockMovement.select().count() == 2


def test_bad_rows_are_reported_by_line_and_good_rows_imported(db, clock, main_location, tmp_path):
    long_name = "Я" * 201
    text = (
        "sku;name;price;unit;tax_group;barcodes;stock;weighed\n"
        "G-1;Добрий;100;;;4820000000017;1;\n"  # line 2: good
        ";Без артикула;100;;;;;\n"  # 3
        "G-3;;100;;;;;\n"  # 4
        "G-4;Без ціни;;;;;;\n"  # 5
        "G-5;Ціна;12,5а;;;;;\n"  # 6
        "G-6;Мінус;-5;;;;;\n"  # 7
        "G-7;Одиниця;5;ящик;;;;\n"  # 8
        "G-8;Податок;5;;Z;;;\n"  # 9
        "G-9;Код;5;;;4820000000018;;\n"  # 10
        "G-10;Код двічі;5;;;4820000000017;;\n"  # 11
        "G-1;Двійник;5;;;;;\n"  # 12
        "G-12;Залишок;5;;;;-1;\n"  # 13
        f"G-13;{long_name};5;;;;;\n"  # 14
        "G-14;Ваговий;5;;;;;може\n"  # 15
        "\n"  # 16: blank, skipped
        "G-16;Теж добрий;7,00;kg;c;;1,5;1\n"  # 17: good
    )
    path = write(tmp_path, text)

    report = run(path, clock)

    assert (report.imported, report.updated) == (2, 0)
    reasons = dict(report.rejected)
    assert reasons == {
        3: "missing sku: every product needs an article (SKU)",
        4: "missing name: every product needs a name",
        5: "missing price",
        6: "price: '12,5а' is not an amount of money: type it like 125.50",
        7: "price: '-5' is negative: type the amount without a minus.",
        8: "unknown unit 'ящик': use one of pcs, kg, g, l, m, pack",
        9: "unknown tax group 'Z': the settings define A, B, C",
        10: "Barcode 4820000000018 has a wrong check digit (the last digit should be 7): "
        "rescan it or type it again.",
        11: "barcode 4820000000017 is duplicated: already on line 2",
        12: "duplicate SKU G-1: already on line 2",
        13: "stock: The quantity must be 0 or more.",
        14: "name is 201 characters long: shorten it to at most 200",
        15: "weighed 'може' is not a yes/no value: write 1 or 0, yes or no, так or ні",
    }
    assert [line for line, _r in report.rejected] == sorted(reasons)
    assert sorted(p.sku for p in Product.select()) == ["G-1", "G-16"]
    weighed = Product.get(Product.sku == "G-16")
    assert (weighed.tax_group, weighed.weighed, weighed.price) == ("C", True, 700)
    assert stock.stock_of(weighed, main_location) == 1500
    assert json.loads(AuditEntry.get(AuditEntry.action == "catalog.import").after)[
        "rejected"
    ] == len(reasons)


def test_barcode_of_another_product_names_its_sku(db, clock, main_location, tmp_path):
    run(write(tmp_path, HEADER + "A-1;Перший;10;;4820000000017;\n"), clock)
    path = write(
        tmp_path, HEADER + "B-1;Другий;10;;4820000000017;\nB-2;Третій;10;;;\n", name="2.csv"
    )

    report = run(path, clock)

    assert report.rejected == [(2, "barcode 4820000000017 already belongs to product A-1")]
    assert report.imported == 1
    assert Product.get_or_none(Product.sku == "B-1") is None


def test_missing_columns_refuse_the_file(db, clock, main_location, tmp_path):
    path = write(tmp_path, "артикул;name;ціна\nS-1;Сукня;100\n")

    with pytest.raises(ImportFileError) as err:
        run(path, clock)
    assert "no sku, price column(s)" in err.value.message
    assert "sku;name;price;group;manufacturer" in err.value.message
    assert Product.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "catalog.import").count() == 0


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing.csv", "does not exist"),
        (lambda p: p, "is a folder"),
        (lambda p: write(p, ""), "is empty"),
        (lambda p: write(p, "sku;name;price\n\n"), "no product rows"),
    ],
)
def test_unusable_files(db, clock, main_location, tmp_path, make, expected):
    with pytest.raises(ImportFileError) as err:
        run(make(tmp_path), clock)
    assert expected in err.value.message


def test_unknown_location_refuses_stock(db, clock, main_location, tmp_path):
    path = write(tmp_path, HEADER + "S-1;Сукня;100;;;5\n")

    with pytest.raises(ValidationError) as err:
        run(path, clock, location_code="SKLAD")
    assert "Unknown location 'SKLAD'" in str(err.value)
    assert Product.select().count() == 0


def test_absurd_numbers_and_control_characters_reject_the_row(db, clock, main_location, tmp_path):
    """Issue 7: a stock of 1e30 or 40 nines was an OverflowError, a NUL in a SKU was saved."""
    text = (
        "sku;name;price;stock\n"
        "N-1;Завеликий;10;1e30\n"  # 2
        f"N-2;Дев'ятки;10;{'9' * 40}\n"  # 3
        "N-3;Ціна;1e30;1\n"  # 4
        "N-4\x00;Нуль;10;1\n"  # 5
        "N-5;Ім'я\x1b[31m;10;1\n"  # 6
        "N-6;Добрий;10;100000\n"  # 7: the most stock one row may set
        "N-7;Забагато;10;100000.001\n"  # 8
    )
    report = run(write(tmp_path, text, "utf-8"), clock)

    reasons = dict(report.rejected)
    assert report.imported == 1 and sorted(reasons) == [2, 3, 4, 5, 6, 8]
    assert reasons[2] == "stock: '1e30' is not a quantity: type a number like 3 or 1.25."
    assert "is too large a quantity" in reasons[3]
    assert reasons[4] == "price: '1e30' is not an amount of money: type it like 125.50"
    assert reasons[5] == "sku holds a control character (U+0000): retype it."
    assert reasons[6] == "name holds a control character (U+001B): retype it."
    assert "is too large a quantity" in reasons[8]
    assert [p.sku for p in Product.select()] == ["N-6"]


@pytest.mark.parametrize("encoding", ["rot13", "hex", "base64", "zlib", "uu", "latin9", "koi9"])
def test_encodings_that_cannot_read_a_price_list_are_refused(
    db, clock, main_location, tmp_path, encoding
):
    path = write(tmp_path, HEADER + "S-1;Сукня;100;;;\n")
    with pytest.raises(ImportFileError, match="encoding|cannot read a Ukrainian"):
        run(path, clock, encoding=encoding)
    assert Product.select().count() == 0


def test_a_file_of_byte_order_marks_is_empty(db, clock, main_location, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf\n")
    with pytest.raises(ImportFileError, match="is empty"):
        run(path, clock)


def test_a_protected_export_cell_imports_as_its_value(db, clock, main_location, tmp_path):
    """A cell a spreadsheet-safe export wrote as '=... is the value =... again."""
    path = write(tmp_path, "sku;name;price\n'-X;'=1+2;10\n", "utf-8")
    assert run(path, clock).imported == 1
    assert Product.get().sku == "-X" and Product.get().name == "=1+2"


def test_cashier_may_not_import(db, staff, clock, main_location, tmp_path):
    path = write(tmp_path, HEADER + "S-1;Сукня;100;;;\n")

    with pytest.raises(PermissionDenied):
        run(path, clock, staff["cashier"])
    assert Product.select().count() == 0


# --- the command ------------------------------------------------------------------------


@pytest.fixture
def shop(tmp_path) -> str:
    path = str(tmp_path / "cli.sqlite")
    assert main(["--db", path, "init", "--owner", "O", "--pin", "1111"]) == 0
    return path


def test_command_exit_0_when_all_rows_imported(shop, capsys):
    status = main(["--db", shop, "import", "products", str(DATA / "products_cp1251.csv")])

    out = capsys.readouterr().out
    assert status == 0
    assert "3 new products, 0 updated, 0 rows rejected" in out
    assert "encoding cp1251" in out
    assert Barcode.select().count() == 4
    assert StockMovement.select().count() == 3


def test_command_exit_1_when_some_rows_rejected(shop, tmp_path, capsys):
    path = write(tmp_path, HEADER + "S-1;Сукня;100;;;\nS-2;Блуза;-1;;;\nS-3;Кофта;abc;;;\n")

    status = main(["--db", shop, "import", "products", str(path)])

    out, err = capsys.readouterr()
    assert status == 1 and "1 new products, 0 updated, 2 rows rejected" in out
    assert "line 3: price: '-1' is negative: type the amount without a minus.\n" in err
    assert "line 4: price: 'abc' is not an amount of money" in err
    assert Product.select().count() == 1


def test_command_exit_2_when_nothing_imported(shop, tmp_path, capsys):
    path = write(tmp_path, HEADER + "S-2;Блуза;-1;;;\n")

    assert main(["--db", shop, "import", "products", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 2: price: '-1' is negative" in err and "Nothing was imported" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["missing.csv"], "does not exist"),
        (["p.csv", "--encoding", "utf-8"], "is not valid utf-8"),
        (["p.csv", "--encoding", "koi9"], "Unknown encoding 'koi9'"),
        (["p.csv", "--location", "NOPE"], "Unknown location 'NOPE'"),
        (["bad.csv"], "the header has no sku column(s)"),
    ],
)
def test_command_exit_2_for_unusable_files(shop, tmp_path, capsys, argv, expected):
    write(tmp_path, HEADER + "S-1;Сукня літня;100;;;3\n")
    write(tmp_path, "code;name;price\n1;a;1\n", name="bad.csv")
    argv = [str(tmp_path / argv[0]), *argv[1:]]

    assert main(["--db", shop, "import", "products", *argv]) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err
    assert Product.select().count() == 0
