"""Customer CSV import and export: both encodings, bad rows with their lines, duplicates in the
file and in the database, the commands' exit status, masked phones, and an export imported
into a fresh database giving the same cards."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from torgtui import db as dbmod
from torgtui.cli import main
from torgtui.customers.csvio import export_customers, import_customers
from torgtui.customers.listing import Filters
from torgtui.customers.service import CardData, card_data, create_customer
from torgtui.errors import PermissionDenied, ValidationError
from torgtui.models import AuditEntry, Customer, CustomerPhone, CustomerWord

DATA = Path(__file__).parent.parent / "data"
HEADER = "name;phone;card;birth_date\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "c.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def phones_of(customer: Customer) -> list[str]:
    return [p.phone for p in customer.phones.order_by(CustomerPhone.id)]


def test_utf8_comma_fixture(db, staff, clock) -> None:
    report = import_customers(DATA / "customers_utf8.csv", by=staff["cashier"], clock=clock)

    assert (report.imported, report.rejected, report.exit_status) == (3, [], 0)
    assert (report.encoding, report.delimiter) == ("utf-8", ",")
    olena = Customer.get(Customer.card == "2900000000018")
    assert olena.name == "Олена Петренко"
    assert phones_of(olena) == ["+380671234567", "+380507654321"]
    assert olena.phone == "+380671234567"
    assert (olena.email, olena.birth_date, olena.birth_md) == (
        "olena@example.com",
        dt.date(1985, 3, 14),
        314,
    )
    assert (olena.gender, olena.language, olena.attention) == ("f", "uk", True)
    assert olena.note == "Любить сукні, розмір 44"
    assert olena.attention_note == "Просить дзвонити після 18:00"
    assert olena.created_at == clock()
    ivan = Customer.get(Customer.phone == "+380931112233")
    assert (ivan.card, ivan.birth_date, ivan.gender, ivan.language) == (
        None,
        dt.date(1990, 11, 2),
        "m",
        "en",
    )
    assert CustomerWord.select().where(CustomerWord.word == "петренко").count() == 1
    entry = AuditEntry.get(AuditEntry.action == "customer.import")
    assert entry.employee_id == staff["cashier"].id


def test_cp1251_semicolon_fixture_with_ukrainian_header(db, clock) -> None:
    report = import_customers(DATA / "customers_cp1251.csv", by=None, clock=clock)

    assert (report.imported, report.rejected) == (2, [])
    assert (report.encoding, report.delimiter) == ("cp1251", ";")
    yevhenia = Customer.get(Customer.card == "2900000000032")
    assert yevhenia.name == "Ґудзь Євгенія Їжакова"
    assert (yevhenia.birth_date, yevhenia.gender, yevhenia.language) == (
        dt.date(1979, 6, 1),
        "f",
        "uk",
    )
    assert Customer.get(Customer.phone == "+380631234567").note == "Опт; подзвонити"


def test_bad_rows_are_reported_by_line(db, staff, clock, tmp_path: Path) -> None:
    create_customer(
        CardData("Стара Клієнтка", ["0971234567"], card="2900000000049"),
        by=staff["manager"],
        clock=clock,
    )
    path = write(
        tmp_path,
        HEADER
        + "Добра Людина;067 123 45 67;;\n"  # 2 good
        + "Погана;067 12;;\n"  # 3 bad phone
        + "Дата;050 765 43 21;;31.02.1990\n"  # 4 impossible date
        + "Майбутня;050 765 43 22;;2030-01-01\n"  # 5 after today
        + "Двійник;+380671234567;;\n"  # 6 same phone as line 2
        + "Знайома;097 123 45 67;;\n"  # 7 phone in the database
        + "Карткова;;2900000000049;\n"  # 8 card in the database
        + ";050 111 22 33;;\n"  # 9 no name
        + "Два номери;050 765 43 21, 063 123 45 67;;\n"  # 10 ',' between phones
        + "Друга добра;050 765 43 23 | 063 765 43 23;2900000000056;1990-05-01\n",  # 11 good
    )

    report = import_customers(path, by=staff["cashier"], clock=clock)

    reasons = dict(report.rejected)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "'067 12' is not a" in reasons[3]
    assert reasons[4] == "birth date '31.02.1990' is not a date: write YYYY-MM-DD or DD.MM.YYYY"
    assert "2030-01-01 is not a possible birth date" in reasons[5]
    assert reasons[6] == "+380671234567 is already on line 2"
    assert reasons[7] == (
        "the phone or card already belongs to Стара Клієнтка (card 2900000000049)"
    )
    assert "Стара Клієнтка (card 2900000000049)" in reasons[8]
    assert reasons[9] == "Name: a customer needs a name."
    assert reasons[10].endswith("Separate several phones with '|'.")
    assert (report.imported, report.exit_status) == (2, 1)
    assert Customer.select().count() == 3
    assert phones_of(Customer.get(Customer.card == "2900000000056")) == [
        "+380507654323",
        "+380637654323",
    ]


def test_cashier_may_import_but_support_may_not(db, staff, clock) -> None:
    with pytest.raises(PermissionDenied):
        import_customers(DATA / "customers_utf8.csv", by=staff["support"], clock=clock)
    assert Customer.select().count() == 0


# --- the commands -------------------------------------------------------------------------


@pytest.fixture
def shop(tmp_path: Path) -> str:
    path = str(tmp_path / "cmd.sqlite")
    assert main(["--db", path, "init", "--owner", "O", "--pin", "1111"]) == 0
    return path


def test_import_command_exit_0(shop, capsys) -> None:
    status = main(["--db", shop, "import", "customers", str(DATA / "customers_cp1251.csv")])

    out = capsys.readouterr().out
    assert status == 0
    assert "2 new customers, 0 rows rejected (encoding cp1251, delimiter ';')" in out
    assert Customer.select().count() == 2


def test_import_command_exit_1_and_2(shop, tmp_path: Path, capsys) -> None:
    some = write(tmp_path, HEADER + "Одна;067 123 45 67;;\nДруга;067 123 45 67;;\n", "cp1251")
    none = write(tmp_path, HEADER + ";067 123 45 68;;\n", name="none.csv")

    assert main(["--db", shop, "import", "customers", str(some), "--encoding", "cp1251"]) == 1
    assert "line 3: +380671234567 is already on line 2\n" in capsys.readouterr().err
    assert main(["--db", shop, "import", "customers", str(none)]) == 2
    err = capsys.readouterr().err
    assert "line 2: Name: a customer needs a name." in err
    assert "Nothing was imported" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["missing.csv"], "does not exist"),
        (["c.csv", "--encoding", "utf-8"], "is not valid utf-8"),
        (["bad.csv"], "the header has no name column"),
        (["empty.csv"], "is empty"),
    ],
)
def test_import_command_exit_2_for_unusable_files(shop, tmp_path, capsys, argv, expected) -> None:
    write(tmp_path, HEADER + "Сукня;067 123 45 67;;\n", "cp1251")
    write(tmp_path, "phone;card\n0671234567;1\n", name="bad.csv")
    write(tmp_path, "", name="empty.csv")

    assert main(["--db", shop, "import", "customers", str(tmp_path / argv[0]), *argv[1:]]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert Customer.select().count() == 0


# --- the export ---------------------------------------------------------------------------


@pytest.fixture
def cards(db, staff, clock) -> list[Customer]:
    by = staff["manager"]
    made = [
        create_customer(
            CardData(
                "Олена Петренко",
                ["067 123 45 67", "050 765 43 21"],
                card="2900000000018",
                email="olena@example.com",
                birth_date=dt.date(1985, 3, 14),
                gender="f",
                language="uk",
                attention=True,
                attention_note="VIP; «важлива»",
                note='Два рядки:\nсукні, "розмір 44"',
            ),
            by=by,
            clock=clock,
        ),
        create_customer(CardData("Ivan Koval", ["0931112233"], gender="m"), by=by, clock=clock),
        create_customer(CardData("Łukasz Nowak 😀", card="2900000000025"), by=by, clock=clock),
    ]
    for n in range(4):
        create_customer(CardData(f"Клієнт {n}", [f"063 000 00 0{n}"]), by=by, clock=clock)
    return made


def test_export_masks_phones_for_a_cashier(cards, staff, clock, tmp_path: Path) -> None:
    masked, full = tmp_path / "cashier.csv", tmp_path / "manager.csv"

    assert export_customers(masked, viewer=staff["cashier"], clock=clock).written == 7
    export_customers(full, viewer=staff["manager"], clock=clock, batch=2)

    cashier_text = masked.read_text("utf-8-sig")
    assert "+38067 *** ** 67 | +38050 *** ** 21" in cashier_text
    assert "+380671234567" not in cashier_text and "+380931112233" not in cashier_text
    manager_text = full.read_text("utf-8-sig")
    assert "+380671234567 | +380507654321" in manager_text
    assert manager_text.splitlines()[0] == (
        "name;phone;card;email;birth_date;gender;language;note;attention;attention_note;"
        "consent;opted_out"
    )
    assert full.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(PermissionDenied):
        export_customers(tmp_path / "x.csv", viewer=staff["support"], clock=clock)


def test_export_cp1251_replaces_what_it_cannot_hold(cards, tmp_path: Path, clock) -> None:
    path = tmp_path / "win.csv"

    report = export_customers(path, encoding="cp1251", viewer=None, clock=clock)

    text = path.read_bytes().decode("cp1251")
    assert "?ukasz Nowak ?" in text and "Олена Петренко" in text and "«важлива»" in text
    assert (report.written, report.replaced, report.encoding) == (7, 2, "cp1251")
    with pytest.raises(ValidationError, match="Unknown encoding 'koi8-u'"):
        export_customers(path, encoding="koi8-u", viewer=None, clock=clock)


def test_export_filters(cards, tmp_path: Path, clock) -> None:
    path = tmp_path / "attention.csv"

    report = export_customers(path, filters=Filters(attention=True), viewer=None, clock=clock)

    assert report.written == 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert [r[0] for r in rows] == ["name", "Олена Петренко"]
    assert rows[1][7] == 'Два рядки:\nсукні, "розмір 44"'


def test_export_command(cards, db, tmp_path: Path, capsys) -> None:
    url = db.database
    path = tmp_path / "cmd.csv"
    if not dbmod.sqlite_path(url):
        pytest.skip("the command is run against the SQLite file")

    assert main(["--db", url, "export", "customers", str(path), "--encoding", "cp1251"]) == 0
    out = capsys.readouterr().out
    assert "7 customers written (encoding cp1251)" in out and "2 characters" in out


def test_round_trip_into_a_fresh_database(cards, tmp_path: Path, clock) -> None:
    path = tmp_path / "all.csv"
    export_customers(path, viewer=None, clock=clock, batch=3)
    before = sorted((c.name, c.card, c.created_at) for c in Customer.select())
    expected = sorted((card_data(c) for c in Customer.select()), key=lambda d: (d.name, d.phones))

    fresh = dbmod.open_and_upgrade(str(tmp_path / "fresh.sqlite"), create=True)
    try:
        report = import_customers(path, by=None, clock=clock)
        got = sorted((card_data(c) for c in Customer.select()), key=lambda d: (d.name, d.phones))
    finally:
        fresh.close()

    assert (report.imported, report.rejected) == (7, [])
    assert len(before) == 7
    for data in (*expected, *got):
        data.family = None
        data.social = ""
    assert got == expected


def test_formula_cells_are_neutralised_and_read_back(db, staff, clock, tmp_path: Path) -> None:
    """Issue 7: a name like =cmd|' /C calc'!A0 went out as a live formula. Cells a spreadsheet
    would run get a leading ' (plain numbers such as phones and amounts do not), and the
    import takes it off again."""
    by = staff["manager"]
    evil = [
        CardData("=cmd|' /C calc'!A0", ["067 123 45 67"], note="-12.50 off\n@home"),
        CardData("+Ганна", ["067 123 45 68", "050 765 43 21"], attention_note="=1+2"),
        CardData("@Петро", card="2900000000018", note="'=already quoted"),
        CardData("-12.50", note="+1 call"),
    ]
    for data in evil:
        create_customer(data, by=by, clock=clock)
    path = tmp_path / "evil.csv"
    export_customers(path, viewer=None, clock=clock)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = {r[0]: r for r in csv.reader(f, delimiter=";")}

    assert "'=cmd|' /C calc'!A0" in rows and "'+Ганна" in rows and "'@Петро" in rows
    assert rows["'=cmd|' /C calc'!A0"][1] == "+380671234567"  # one E.164 phone: a number
    assert rows["'=cmd|' /C calc'!A0"][7] == "'-12.50 off\n@home"
    assert rows["'+Ганна"][1] == "'+380671234568 | +380507654321"
    assert rows["'+Ганна"][9] == "'=1+2"
    assert rows["'@Петро"][7] == "''=already quoted"
    assert rows["-12.50"][7] == "'+1 call"  # while a plain number stays a number
    for cells in rows.values():
        for cell in cells:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")) or cell == "+380671234567"

    expected = sorted((card_data(c) for c in Customer.select()), key=lambda d: d.name)
    fresh = dbmod.open_and_upgrade(str(tmp_path / "fresh.sqlite"), create=True)
    try:
        report = import_customers(path, by=None, clock=clock)
        got = sorted((card_data(c) for c in Customer.select()), key=lambda d: d.name)
    finally:
        fresh.close()
    assert (report.imported, report.rejected) == (4, [])
    assert got == expected


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--birthday-within", "-5"], "--birthday-within must be from 0 to 366, not -5."),
        (["--birthday-within", "9" * 5000], "--birthday-within must be a whole number"),
        (["--not-bought-days", "99999999999"], "--not-bought-days must be from 1 to 36600"),
        (["--not-bought-days", "0"], "--not-bought-days must be from 1 to 36600, not 0."),
        (["--children-age", "7-3"], "--children-age '7-3': write two ages like 3-7."),
        (["--children-age", "5-"], "--children-age '5-': write two ages like 3-7."),
        (["--children-age", "99999999999999-5"], "write two ages like 3-7"),
        (["--encoding", "latin9"], "invalid choice: 'latin9'"),
    ],
)
def test_export_command_refuses_bad_filters(
    shop, tmp_path: Path, capsys, argv: list[str], expected: str
) -> None:
    path = tmp_path / "out.csv"
    assert main(["--db", shop, "export", "customers", str(path), *argv]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not path.exists()
